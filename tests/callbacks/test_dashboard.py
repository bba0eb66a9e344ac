"""Dashboard callbacks called directly: KPI cards, figures, filters, the SKU table."""

from __future__ import annotations

import pytest
from dash.exceptions import PreventUpdate

from analytics.formatting import format_money
from callbacks.dashboard import (
    clear_filters,
    filter_by_clicked_category,
    update_overview,
    update_sku_table,
)
from tests.conftest import upload

ALL = (None, None, None, None)  # start, end, categories, sku query


@pytest.fixture
def sid(app, sales_csv):
    return upload(app.server.test_client(), sales_csv).get_json()["session_id"]


def overview(
    app, sid, *filters, granularity="month", sku_metric="revenue", pareto="revenue"
):
    with app.server.test_request_context("/"):
        return update_overview(sid, *(filters or ALL), granularity, sku_metric, pareto)


def _text(children) -> str:
    return str([c.to_plotly_json() for c in children])


def test_overview_cards_and_figures(app, sid, sales_frame):
    out = overview(app, sid)
    cards, series_fig = out[0], out[1]
    total = round(float(sales_frame["Revenue"].sum()), 2)
    assert format_money(total, "$") in _text(cards)
    assert [trace.name for trace in series_fig.data] == ["Revenue", "Cost", "Profit"]
    assert len(series_fig.data[0].x) == sales_frame["Date"].str[:7].nunique()
    assert out[7] == f"Showing all {len(sales_frame):,} rows."
    assert out[9].startswith(f"/api/export/{sid}/data.csv")


@pytest.mark.parametrize("granularity", ["day", "week", "month", "quarter"])
def test_each_granularity_sums_to_total(app, sid, sales_frame, granularity):
    series_fig = overview(app, sid, granularity=granularity)[1]
    assert sum(series_fig.data[0].y) == pytest.approx(
        sales_frame["Revenue"].sum(), abs=0.05
    )


def test_category_filter_changes_kpis_to_the_right_numbers(app, sid, sales_frame):
    out = overview(app, sid, None, None, ["Software"], None)
    expected = sales_frame.loc[sales_frame["Category"] == "Software", "Revenue"].sum()
    assert format_money(round(float(expected), 2), "$") in _text(out[0])
    assert "category Software" in out[7]
    assert "category=Software" in out[9]


def test_date_filter(app, sid, sales_frame):
    out = overview(app, sid, "2023-03-01", "2023-05-31", None, None)
    in_range = sales_frame[
        (sales_frame["Date"] >= "2023-03-01") & (sales_frame["Date"] <= "2023-05-31")
    ]
    assert format_money(round(float(in_range["Revenue"].sum()), 2), "$") in _text(
        out[0]
    )


def test_filters_matching_nothing_say_so(app, sid):
    out = overview(app, sid, None, None, None, "no-such-sku")
    assert "No rows match" in str(out[8].to_plotly_json())


def test_bad_date_is_a_message_not_an_error(app, sid):
    out = overview(app, sid, "not-a-date", None, None, None)
    assert out[8] is not None and "date" in str(out[8].to_plotly_json()).lower()


def test_expired_session_says_so(app):
    out = overview(app, "X" * 32)
    assert "expired" in str(out[8].to_plotly_json())


def test_sku_table_pages_and_sorts(app, sid, sales_frame):
    with app.server.test_request_context("/"):
        data, pages, page, count = update_sku_table(
            sid, *ALL, 0, [{"column_id": "rank", "direction": "asc"}]
        )
        assert [row["rank"] for row in data] == list(range(1, len(data) + 1))
        assert count == f"{sales_frame['SKU'].nunique():,} SKUs ranked"
        assert pages == -(-sales_frame["SKU"].nunique() // 15)
        by_revenue, *_ = update_sku_table(
            sid, *ALL, 0, [{"column_id": "revenue", "direction": "desc"}]
        )
    revenues = [row["revenue"] for row in by_revenue]
    assert revenues == sorted(revenues, reverse=True)
    top_sku = sales_frame.groupby("SKU")["Revenue"].sum().idxmax()
    assert by_revenue[0]["sku"] == top_sku and by_revenue[0]["id"] == top_sku


def test_clicking_a_category_bar_filters_to_it():
    click = {"points": [{"y": "Hardware", "customdata": "Hardware"}]}
    assert filter_by_clicked_category(click, None) == ["Hardware"]
    with pytest.raises(PreventUpdate):
        filter_by_clicked_category(None, None)


def test_clear_filters_resets_everything():
    assert clear_filters(1) == (None, None, [], "")
    with pytest.raises(PreventUpdate):
        clear_filters(None)


def _card_ids(cards) -> list[str]:
    # each card is a column holding the card that carries the id
    return [col.children.id for col in cards if hasattr(col.children, "id")]


def test_orders_and_aov_cards_only_with_an_order_id(app, sales_frame):
    client = app.server.test_client()
    plain = upload(client, sales_frame.to_csv(index=False).encode()).get_json()
    with app.server.test_request_context("/"):
        cards = update_overview(
            plain["session_id"], *ALL, "month", "revenue", "revenue"
        )[0]
    assert "kpi-orders" not in _card_ids(cards)

    lines = sales_frame.assign(
        **{"Order ID": [f"SO-{i // 3}" for i in range(len(sales_frame))]}
    )
    sid = upload(client, lines.to_csv(index=False).encode()).get_json()["session_id"]
    with app.server.test_request_context("/"):
        cards = update_overview(sid, *ALL, "month", "revenue", "revenue")[0]
    ids = _card_ids(cards)
    assert ids.index("kpi-orders") == ids.index("kpi-transactions") + 1
    assert "kpi-avg_order_value" in ids
    text = _text(cards)
    orders = lines.loc[lines["Revenue"] > 0, "Order ID"].nunique()
    assert f"'{orders:,}'" in text or f"{orders:,}" in text
    aov = round(float(lines["Revenue"].sum()) / orders, 2)
    assert format_money(aov, "$") in text
    assert "Transactions (lines)" in text
