"""Dashboard callbacks called directly: KPI cards and the time-series figure."""

from __future__ import annotations

import pytest

from analytics.formatting import format_money
from callbacks.dashboard import update_overview
from tests.conftest import upload


@pytest.fixture
def sid(app, sales_csv):
    return upload(app.server.test_client(), sales_csv).get_json()["session_id"]


def test_overview_cards_and_figure(app, sid, sales_frame):
    with app.server.test_request_context("/"):
        cards, figure = update_overview(sid, "month")
    text = str([c.to_plotly_json() for c in cards])
    assert format_money(round(float(sales_frame["Revenue"].sum()), 2), "$") in text
    names = [trace.name for trace in figure.data]
    assert names == ["Revenue", "Cost", "Profit"]
    months = sales_frame["Date"].str[:7].nunique()
    assert len(figure.data[0].x) == months


@pytest.mark.parametrize("granularity", ["day", "week", "month", "quarter"])
def test_each_granularity_sums_to_total(app, sid, sales_frame, granularity):
    with app.server.test_request_context("/"):
        _, figure = update_overview(sid, granularity)
    assert sum(figure.data[0].y) == pytest.approx(sales_frame["Revenue"].sum(), abs=0.05)


def test_expired_session_says_so(app):
    with app.server.test_request_context("/"):
        cards, figure = update_overview("X" * 32, "month")
    assert "expired" in str(cards[0].to_plotly_json())
