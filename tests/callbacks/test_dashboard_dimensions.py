"""Column filters, the breakdown and the page's address, called directly; every figure
is worked out again with pandas."""

from __future__ import annotations

import io
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest
from dash.exceptions import PreventUpdate

from analytics.formatting import format_money
from callbacks import dashboard, filters
from callbacks.dashboard import update_breakdown, update_overview
from callbacks.filters import (
    collect_dimension_values,
    edit_dimension_filters,
    parse_search,
    search_column_values,
    state_search,
    write_search,
)
from callbacks.routing import render_page
from callbacks.sku_table import update_sku_table
from components import ids
from components.filters import filter_state
from tests.conftest import transactions_frame, upload
from web.extensions import extensions


@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    frame = transactions_frame(rows=600, seed=9)
    rng = np.random.default_rng(4)
    frame["Region"] = rng.choice(["West", "East", "Central"], len(frame))
    frame["Segment"] = rng.choice(["Consumer", "Corporate", "Home Office"], len(frame))
    frame["Order ID"] = [f"O-{i // 2:04d}" for i in range(len(frame))]  # 2 lines each
    return frame


@pytest.fixture
def sid(app, shop):
    data = shop.to_csv(index=False).encode()
    return upload(app.server.test_client(), data, "shop.csv").get_json()["session_id"]


def _text(children) -> str:
    return str([c.to_plotly_json() for c in children])


def test_overview_follows_a_column_filter(app, sid, shop):
    with app.server.test_request_context("/"):
        out = update_overview(
            sid, filter_state(dimensions={"Region": ["West", "East"]}),
            "month", "revenue", "revenue",
        )  # fmt: skip
    kept = shop[shop["Region"].isin(["West", "East"])]
    assert format_money(round(float(kept["Revenue"].sum()), 2), "$") in _text(out[0])
    assert "Region East, West" in out[7]
    assert "filter=Region%3AEast" in out[9] and "filter=Region%3AWest" in out[9]


def test_column_filter_and_category_together(app, sid, shop):
    with app.server.test_request_context("/"):
        out = update_overview(
            sid, filter_state(None, None, ["Software"], None, {"Segment": ["Corporate"]}),
            "month", "revenue", "revenue",
        )  # fmt: skip
    kept = shop[(shop["Category"] == "Software") & (shop["Segment"] == "Corporate")]
    assert format_money(round(float(kept["Revenue"].sum()), 2), "$") in _text(out[0])


def test_sku_table_follows_a_column_filter(app, sid, shop):
    with app.server.test_request_context("/"):
        records, *_rest, csv_link, _xlsx = update_sku_table(
            sid, filter_state(dimensions={"Region": ["Central"]}), 0, None, False, None
        )
    kept = shop[shop["Region"] == "Central"]
    assert len(records) == min(15, kept["SKU"].nunique())
    top = kept.groupby("SKU")["Revenue"].sum()
    for record in records:
        assert record["revenue"] == pytest.approx(top[record["sku"]], abs=0.01)
    assert "filter=Region%3ACentral" in csv_link


def test_breakdown_figures_match_pandas(app, sid, shop):
    with app.server.test_request_context("/"):
        figure, columns, records, _note = update_breakdown(
            sid, filter_state(dimensions={"Region": ["West"]}), "Segment"
        )
    west = shop[shop["Region"] == "West"]
    groups = west.groupby("Segment")
    revenue = groups["Revenue"].sum()
    profit = revenue - groups["Cost"].sum()
    orders = groups["Order ID"].nunique()
    assert [r["value"] for r in records] == list(
        revenue.sort_values(ascending=False).index
    )
    for record in records:
        name = record["value"]
        assert record["revenue"] == pytest.approx(revenue[name], abs=0.01)
        assert record["profit"] == pytest.approx(profit[name], abs=0.01)
        assert record["margin"] == pytest.approx(profit[name] / revenue[name], abs=1e-3)
        assert record["orders"] == orders[name]
        assert record["transactions"] == len(west[west["Segment"] == name])
        assert record["share"] == pytest.approx(revenue[name] / revenue.sum(), abs=1e-3)
    assert {c["id"] for c in columns} >= {
        "value",
        "revenue",
        "profit",
        "orders",
        "share",
    }
    bars = figure.data[0]
    assert dict(zip(bars.customdata, bars.x, strict=True)) == pytest.approx(
        revenue.round(2).to_dict(), abs=0.01
    )


def test_breakdown_of_an_unknown_column_says_so(app, sid):
    with app.server.test_request_context("/"):
        figure, _columns, records, note = update_breakdown(sid, None, "Planet")
    assert records == []
    assert "Planet" in note


def test_filter_on_a_value_that_is_not_there_is_a_message(app, sid):
    with app.server.test_request_context("/"):
        out = update_overview(
            sid, filter_state(dimensions={"Region": ["Atlantis"]}),
            "month", "revenue", "revenue",
        )  # fmt: skip
    assert "Atlantis" in str(out[8].to_plotly_json())


def test_add_remove_click_and_clear(app, sid, monkeypatch):
    values = [["West"]]
    value_ids = [{"type": ids.DIM_VALUES, "column": "Region"}]

    def call(trigger, **kw):
        monkeypatch.setattr(filters, "triggered_id", lambda: trigger)
        args = {
            "add": None,
            "_remove_clicks": [None],
            "bar_click": None,
            "_clear_clicks": None,
            "values": values,
            "value_ids": value_ids,
            "by": "Segment",
            "session_id": sid,
            **kw,
        }
        with app.server.test_request_context("/"):
            return edit_dimension_filters(**args)

    rows, chosen, picker = call(ids.FILTER_ADD, add="Segment")
    assert [r.to_plotly_json()["props"]["data-column"] for r in rows] == [
        "Region",
        "Segment",
    ]
    assert chosen == {"Region": ["West"]} and picker is None

    click = {"points": [{"customdata": "Corporate", "y": "Corporate"}]}
    _rows, chosen, _ = call(ids.BREAKDOWN_GRAPH, bar_click=click)
    assert chosen == {"Region": ["West"], "Segment": ["Corporate"]}

    remove = {"type": ids.DIM_REMOVE, "column": "Region"}
    rows, chosen, _ = call(remove, _remove_clicks=[1])
    assert rows == [] and chosen == {}

    _rows, chosen, _ = call(ids.CLEAR_FILTERS, _clear_clicks=1)
    assert chosen == {}
    with pytest.raises(PreventUpdate):
        call(remove, _remove_clicks=[None])  # the row was (re)drawn, nobody clicked


def test_collect_leaves_empty_filters_out():
    value_ids = [
        {"type": ids.DIM_VALUES, "column": "Region"},
        {"type": ids.DIM_VALUES, "column": "Segment"},
    ]
    assert collect_dimension_values([["East"], []], value_ids) == {"Region": ["East"]}


def test_value_search_offers_matching_values(app, sid):
    with app.server.test_request_context("/"):
        options = search_column_values(
            "corp", ["Consumer"], sid, {"type": ids.DIM_VALUES, "column": "Segment"}
        )
    assert [o["value"] for o in options] == ["Consumer", "Corporate"]


def test_address_round_trip():
    search = state_search(
        filter_state(
            "2023-02-01",
            None,
            ["Software"],
            None,
            {"Region": ["West", "East"], "Segment": ["Home Office"]},
        ),
        "Segment",
        "?v=2",
    )
    query = parse_qs(search[1:])
    assert query["v"] == ["2"]
    assert sorted(query["filter"]) == [
        "Region:East",
        "Region:West",
        "Segment:Home Office",
    ]
    state = parse_search(search)
    assert state["dimensions"] == {
        "Region": ["East", "West"],
        "Segment": ["Home Office"],
    }
    assert state["start"] == "2023-02-01" and state["categories"] == ["Software"]
    assert state["by"] == "Segment"
    assert parse_search("?compare=year_ago&compare=nonsense")["compare"] == "year_ago"
    # a filter written as the API takes it works too; a broken one is left out
    assert parse_search("?filter=Region:West,East&filter=oops")["dimensions"] == {
        "Region": ["West", "East"]
    }


def test_write_search_only_on_dashboards_and_on_change():
    with pytest.raises(PreventUpdate):
        write_search(filter_state(), "Region", None, "/", "")
    with pytest.raises(PreventUpdate):
        write_search(filter_state(), "Region", None, "/dashboard/x", "?by=Region")
    assert (
        write_search(filter_state(dimensions={"Region": ["West"]}), "Region", "year_ago", "/dashboard/x", "?by=Region")
        == "?filter=Region%3AWest&by=Region&compare=year_ago"
    )  # fmt: skip


def test_page_opens_with_the_address_selection(app, sid):
    with app.server.test_request_context("/"):
        page = render_page(
            f"/dashboard/{sid}",
            "?filter=Region:West&filter=Planet:Mars&by=Segment&compare=year_ago",
        )
    layout = str(page.to_plotly_json())
    store = _find(page, ids.FILTER_DIMENSIONS)
    assert store.data == {"Region": ["West"]}  # a column the file lacks is left out
    # the callbacks' one filter dict holds the same selection
    assert _find(page, ids.FILTERS).data == filter_state(
        dimensions={"Region": ["West"]}
    )
    assert _find(page, ids.BREAKDOWN_BY).value == "Segment"
    assert _find(page, ids.COMPARE).value == "year_ago"
    assert "Order ID" in str(_find(page, ids.FILTER_ADD).options)
    assert "Planet" not in layout


def test_page_without_a_selection_breaks_down_by_a_dimension_of_the_file(app, sid):
    with app.server.test_request_context("/"):
        page = render_page(f"/dashboard/{sid}", "")
    assert _find(page, ids.BREAKDOWN_BY).value == "Region"


def _find(component, component_id):
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    if children is None:
        return None
    for child in children if isinstance(children, list) else [children]:
        found = _find(child, component_id) if hasattr(child, "to_plotly_json") else None
        if found is not None:
            return found
    return None


def test_a_value_holding_a_comma_survives_the_links_and_the_address(app):
    frame = transactions_frame(rows=120, seed=3)
    frame["Customer Name"] = [
        ("Smith, John", 'Doe "JD", Jane', "Lee")[i % 3] for i in range(len(frame))
    ]
    client = app.server.test_client()
    sid = upload(client, frame.to_csv(index=False).encode(), "names.csv").get_json()[
        "session_id"
    ]
    chosen = {"Customer Name": ["Smith, John", 'Doe "JD", Jane']}
    with app.server.test_request_context("/"):
        out = update_overview(
            sid, filter_state(dimensions=chosen), "month", "revenue", "revenue"
        )
    kept = frame[frame["Customer Name"] != "Lee"]
    export = client.get(out[9])
    assert export.status_code == 200, export.get_data(as_text=True)
    rows = pd.read_csv(io.BytesIO(export.data))
    assert len(rows) == len(kept)
    assert rows["revenue"].sum() == pytest.approx(kept["Revenue"].sum(), abs=0.01)
    search = state_search(filter_state(dimensions=chosen), None)
    assert parse_search(search)["dimensions"] == {
        "Customer Name": sorted(chosen["Customer Name"])
    }


def test_a_long_breakdown_lists_the_largest_values_and_says_so(
    app, sid, shop, monkeypatch
):
    monkeypatch.setattr(dashboard, "BREAKDOWN_ROWS", 10)
    with app.server.test_request_context("/"):
        _fig, _cols, records, note = update_breakdown(sid, None, "Order ID")
    per_order = shop.groupby("Order ID")["Revenue"].sum()
    top = per_order.sort_values(ascending=False, kind="stable").head(10)
    assert [r["revenue"] for r in records] == pytest.approx(top.round(2).tolist())
    assert records[0]["share"] == pytest.approx(top.iloc[0] / per_order.sum(), abs=1e-4)
    assert f"Showing 10 of {len(per_order):,}" in note
    assert f"20 largest of {len(per_order):,} values" in note


def test_the_chat_answers_under_the_column_filters_and_names_them(app, sid, shop):
    from callbacks.assistant import run_chat
    from tests.conftest import as_owner

    settings = extensions(app.server).settings
    with app.server.test_request_context("/", headers=as_owner(sid)):
        messages = run_chat(
            settings,
            lambda *_: None,
            {"question": "What was my total revenue?", "at": 1.0},
            sid, filter_state(dimensions={"Region": ["West"], "Segment": ["Corporate"]}),
        )  # fmt: skip
    kept = shop[(shop["Region"] == "West") & (shop["Segment"] == "Corporate")]
    text = str(messages[-1].to_plotly_json())
    assert f"**${kept['Revenue'].sum():,.2f}**" in text
    # the footer says which rows the answer rests on, column filters included
    assert f"{len(kept):,} rows · Region West; Segment Corporate" in text
