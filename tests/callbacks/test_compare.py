"""The Compare switch and the What changed card, called directly, against plain pandas
on the uploaded table."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.formatting import format_money, format_pct
from callbacks.changes import update_changes
from callbacks.dashboard import update_overview
from components.filters import filter_state
from tests.conftest import transactions_frame, upload


@pytest.fixture
def table() -> pd.DataFrame:
    return transactions_frame(rows=1500, seed=8, start="2022-01-01", days=800)


@pytest.fixture
def sid(app, table):
    data = table.to_csv(index=False).encode()
    return upload(app.server.test_client(), data).get_json()["session_id"]


def monthly(table, first, last):
    dates = pd.to_datetime(table["Date"])
    inside = table[(dates >= first) & (dates <= last)]
    return inside.groupby(pd.to_datetime(inside["Date"]).dt.to_period("M"))[
        "Revenue"
    ].sum()


def _text(children) -> str:
    return str([c.to_plotly_json() for c in children])


def test_year_ago_draws_last_year_and_the_kpis_compare_with_it(app, sid, table):
    with app.server.test_request_context("/"):
        out = update_overview(
            sid,
            filter_state("2023-01-01", "2023-06-30"),
            "month",
            "revenue",
            "revenue",
            "year_ago",
        )
    cards, figure = out[0], out[1]
    dashed = [t for t in figure.data if t.line.dash == "dash"]
    assert [t.name for t in dashed] == [
        "Revenue, a year earlier",
        "Profit, a year earlier",
    ]
    then = monthly(table, "2022-01-01", "2022-06-30")
    assert list(dashed[0].y) == pytest.approx(list(then.to_numpy()), abs=0.01)
    now = monthly(table, "2023-01-01", "2023-06-30").sum()
    text = _text(cards)
    assert "vs a year earlier Jan 1, 2022 – Jun 30, 2022" in text
    assert format_pct(now / then.sum() - 1, signed=True) in text


def test_off_draws_no_comparison(app, sid):
    with app.server.test_request_context("/"):
        out = update_overview(
            sid,
            filter_state("2023-01-01", "2023-06-30"),
            "month",
            "revenue",
            "revenue",
            "off",
        )
        on = update_overview(
            sid,
            filter_state("2023-01-01", "2023-06-30"),
            "month",
            "revenue",
            "revenue",
            "previous_period",
        )
    cards, figure = out[0], out[1]
    assert all(t.line.dash != "dash" for t in figure.data)
    # "No comparison" means the KPI cards compare with nothing either
    assert " vs " not in _text(cards)
    assert " vs " in _text(on[0])


def test_what_changed_names_the_periods_and_adds_up(app, sid, table):
    with app.server.test_request_context("/"):
        text, figure, chart_class = update_changes(
            sid,
            filter_state("2023-04-01", "2023-06-30"),
            "previous_period",
            "revenue",
            "month",
        )
    now = monthly(table, "2023-04-01", "2023-06-30").sum()
    then = monthly(table, "2023-01-01", "2023-03-31").sum()
    rendered = _text(text)
    assert "Jan 1, 2023 – Mar 31, 2023" in rendered
    assert chart_class == ""
    assert format_money(round(now - then, 2), "$").lstrip("-") in rendered
    bars = list(figure.data[0].y)
    assert sum(bars[:-1]) == pytest.approx(bars[-1], abs=0.001)
    assert bars[-1] == pytest.approx(now - then, abs=0.01)


def test_what_changed_says_when_the_data_does_not_reach_back(app, sid):
    with app.server.test_request_context("/"):
        text, _, chart_class = update_changes(
            sid,
            filter_state("2022-02-01", "2022-03-31"),
            "year_ago",
            "revenue",
            "month",
        )
    # one line saying why, and no chart
    assert "does not reach back to Feb 1, 2021" in text.children
    assert chart_class == "d-none"
