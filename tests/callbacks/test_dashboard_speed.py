"""The dashboard's fast path: KPI cards in their own callback, one filtered view per change."""

from __future__ import annotations

from dataclasses import replace

import pytest

from analytics.formatting import format_money
from callbacks.dashboard import update_charts, update_kpis
from components.filters import filter_state
from services.datasets import Dataset
from services.views import VIEWS, Filters, cached_dataset
from tests.conftest import upload
from web.extensions import extensions


def _text(children) -> str:
    return str([c.to_plotly_json() for c in children])


def test_kpis_and_charts_answer_separately_with_the_same_rows(
    app, sales_csv, sales_frame
):
    sid = upload(app.server.test_client(), sales_csv).get_json()["session_id"]
    software = sales_frame[sales_frame["Category"] == "Software"]
    with app.server.test_request_context("/"):
        software_only = filter_state(categories=["Software"])
        cards, summary, alert, csv_link, _ = update_kpis(sid, software_only)
        charts = update_charts(sid, software_only, "month", "revenue", "revenue")
    assert format_money(round(float(software["Revenue"].sum()), 2), "$") in _text(cards)
    assert alert is None
    assert "category Software" in summary
    assert "category=Software" in csv_link
    assert len(charts) == 6
    assert sum(charts[0].data[0].y) == pytest.approx(
        software["Revenue"].sum(), abs=0.05
    )


def test_expired_session_gives_a_message_in_both(app):
    with app.server.test_request_context("/"):
        cards, summary, alert, *links = update_kpis("Z" * 32, None)
        charts = update_charts("Z" * 32, None, None, None, None)
    assert cards == [] and links == ["#", "#"]
    assert "expired" in str(alert.to_plotly_json())
    assert all("expired" in str(fig.layout.annotations) for fig in charts)


def test_a_filtered_view_is_built_once_per_revision_and_filters(app, sales_csv):
    store = extensions(app.server).store
    sid = upload(app.server.test_client(), sales_csv).get_json()["session_id"]
    dataset = cached_dataset(store, sid)
    filters = Filters.from_inputs(None, None, ["Software"], None)
    first = VIEWS.view(dataset, filters)
    again = VIEWS.view(dataset, filters)
    assert again.rows is first.rows
    assert VIEWS.view(dataset, Filters()).rows is not first.rows
    # new data under the same session (a remap): the old rows are not reused
    rebuilt = Dataset(
        meta=replace(dataset.meta, revision=dataset.meta.revision + 1),
        frame=dataset.frame.iloc[:10],
    )
    fresh = VIEWS.view(rebuilt, filters)
    assert fresh.rows is not first.rows
    assert len(fresh.rows) == (rebuilt.frame["category"] == "Software").sum()
