"""The dashboard's Customers section called directly: shown only with customer ids,
figures and tables under the filters, against plain pandas on the uploaded table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.formatting import format_number, format_pct
from callbacks.customers import update_customers
from components.filters import filter_state
from tests.conftest import transactions_frame, upload


@pytest.fixture
def table() -> pd.DataFrame:
    frame = transactions_frame(rows=600, seed=9)
    rng = np.random.default_rng(9)
    frame["Customer"] = [f"CU-{i:02d}" for i in rng.integers(0, 40, len(frame))]
    frame["Invoice"] = [
        f"I-{c}-{d}" for c, d in zip(frame["Customer"], frame["Date"], strict=True)
    ]
    return frame


def session(app, frame: pd.DataFrame) -> str:
    data = frame.to_csv(index=False).encode()
    return upload(app.server.test_client(), data, "orders.csv").get_json()["session_id"]


def section(app, sid, *filters):
    with app.server.test_request_context("/"):
        return update_customers(sid, filter_state(*filters) if filters else None)


def _text(children) -> str:
    return str([c.to_plotly_json() for c in children])


def test_section_shows_figures_that_follow_the_filters(app, table):
    sid = session(app, table)
    hidden, kpis, _notes, monthly, cohorts, segments, top, link = section(
        app, sid, "2023-04-01", "2024-01-31", ["Software", "Services"], None
    )
    assert hidden is False
    dates = pd.to_datetime(table["Date"])
    rows = table[
        (dates >= "2023-04-01")
        & (dates <= "2024-01-31")
        & table["Category"].isin(["Software", "Services"])
    ]
    orders = rows.groupby("Customer")["Invoice"].nunique()
    text = _text(kpis)
    assert format_number(rows["Customer"].nunique()) in text
    assert format_pct((orders > 1).mean()) in text
    # stacked bars add up to the filtered revenue
    total = sum(sum(trace.y) for trace in monthly.data)
    assert total == pytest.approx(rows["Revenue"].sum(), abs=0.05)
    assert cohorts.data[0].type == "heatmap"
    first = pd.to_datetime(rows["Date"]).groupby(rows["Customer"]).min()
    assert len(cohorts.data[0].y) == first.dt.to_period("M").nunique()
    assert len(top.data) == min(20, rows["Customer"].nunique())
    best = rows.groupby("Customer")["Revenue"].sum().idxmax()
    assert top.data[0]["customer"] == best
    assert sum(int(r["customers"].replace(",", "")) for r in segments.data) == len(
        orders
    )
    assert link.startswith(f"/api/export/{sid}/customers.csv?")
    assert "start=2023-04-01" in link


def test_section_is_hidden_without_customer_ids(app):
    sid = session(app, transactions_frame(rows=80, seed=4))
    assert section(app, sid)[0] is True
