"""Dashboard callbacks called directly: KPI cards, figures, filters, the SKU table."""

from __future__ import annotations

import pandas as pd
import pytest
from dash.exceptions import PreventUpdate

from analytics.formatting import format_money
from callbacks.dashboard import update_overview
from callbacks.filters import clear_filters, filter_by_clicked_category
from callbacks.sku_table import update_sku_table
from components.filters import filter_state
from tests.conftest import upload

ALL = (None,)  # the page's filter dict: no filter


@pytest.fixture
def sid(app, sales_csv):
    return upload(app.server.test_client(), sales_csv).get_json()["session_id"]


def overview(
    app, sid, *filters, granularity="month", sku_metric="revenue", pareto="revenue"
):
    with app.server.test_request_context("/"):
        chosen = filter_state(*filters) if filters else None
        return update_overview(sid, chosen, granularity, sku_metric, pareto)


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
        data, pages, page, count, csv_link, xlsx_link = update_sku_table(
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
    assert (csv_link, xlsx_link) == (
        f"/api/export/{sid}/skus.csv",
        f"/api/export/{sid}/skus.xlsx",
    )


def test_sku_table_rows_carry_band_words_and_the_few_sales_mark(app, client):
    # A [10 × 4] scores 60 (Medium); B and D, one sale each, and C (two) score 40.
    frame = pd.DataFrame(
        {
            "Date": pd.date_range("2024-01-01", periods=8).strftime("%Y-%m-%d"),
            "SKU": ["A", "A", "A", "A", "D", "C", "C", "B"],
            "Revenue": [10, 10, 10, 10, 100, 10, 30, 100],
        }
    )
    sid = upload(client, frame.to_csv(index=False).encode()).get_json()["session_id"]
    with app.server.test_request_context("/"):
        data, *_ = update_sku_table(sid, *ALL, 0, None)
    assert [(r["sku"], r["band_label"], r["note"]) for r in data] == [
        ("A", "Medium", ""), ("B", "Medium", "few sales"),
        ("D", "Medium", "few sales"), ("C", "Medium", "few sales"),
    ]  # fmt: skip


def test_hiding_skus_with_few_sales(app, sid, sales_frame):
    counts = sales_frame.groupby("SKU").size()
    threshold = int(counts.median()) + 1
    kept = int((counts >= threshold).sum())
    with app.server.test_request_context("/"):
        first, full_pages, *_ = update_sku_table(sid, *ALL, 0, None, False, threshold)
        everything = first + [
            row
            for page in range(1, full_pages)
            for row in update_sku_table(sid, *ALL, page, None, False, threshold)[0]
        ]
        data, pages, _, count, csv_link, _ = update_sku_table(
            sid, *ALL, 0, None, True, threshold
        )
        all_pages = [
            update_sku_table(sid, *ALL, page, None, True, threshold)[0]
            for page in range(pages)
        ]
    shown = [row for page in all_pages for row in page]
    assert sorted(row["sku"] for row in shown) == sorted(
        counts[counts >= threshold].index
    )
    assert all(row["transactions"] >= threshold for row in shown)
    assert pages == -(-kept // 15)
    assert count == (
        f"{kept:,} of {counts.size:,} SKUs shown "
        f"(hiding those with fewer than {threshold} sales)"
    )
    assert csv_link == f"/api/export/{sid}/skus.csv?min_sales={threshold}"
    # scores and ranks are those among every SKU: the table just skips some rows
    assert shown == [row for row in everything if row["transactions"] >= threshold]


@pytest.mark.parametrize("typed", [None, "", 0, -4, "abc"])
def test_an_unusable_minimum_falls_back_to_three_sales(app, sid, typed):
    with app.server.test_request_context("/"):
        count = update_sku_table(sid, *ALL, 0, None, True, typed)[3]
    assert count.endswith("(hiding those with fewer than 3 sales)")


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


@pytest.mark.parametrize(
    ("graph", "point"),
    [
        ("sku-bars", {"y": "&lt;b&gt;x", "customdata": "<b>x"}),
        ("pareto", {"x": "&lt;b&gt;x", "customdata": ["A", "<b>x"]}),
    ],
)
def test_a_clicked_bar_opens_the_raw_sku_not_its_escaped_label(
    monkeypatch, graph, point
):
    import callbacks.sku_table as sku_table
    from components import ids

    trigger = ids.SKU_BARS_GRAPH if graph == "sku-bars" else ids.PARETO_GRAPH
    monkeypatch.setattr(sku_table, "triggered_id", lambda: trigger)
    click = {"points": [point]}
    assert sku_table.select_sku(None, click, click) == "<b>x"


def test_one_column_table_drives_the_sku_table_its_sorting_and_exports(app, sid):
    from analytics.metrics.sku_table import EXPORTED, SKU_COLUMNS, SORT_FIELDS
    from components.sku_table import table_columns

    shown = [c["id"] for c in table_columns()]
    assert shown == [c.name for c in SKU_COLUMNS if c.label is not None]
    # a text column sorts by the figure it stands for; the trend by the rank
    assert SORT_FIELDS["band_label"] == "score" and "trend" not in SORT_FIELDS
    with app.server.test_request_context("/"):
        by_band, *_ = update_sku_table(
            sid, None, 0, [{"column_id": "band_label", "direction": "desc"}]
        )
        by_trend, *_ = update_sku_table(
            sid, None, 0, [{"column_id": "trend", "direction": "desc"}]
        )
    scores = [row["score"] for row in by_band]
    assert scores == sorted(scores, reverse=True)
    ranks = [row["rank"] for row in by_trend]  # sorted as asked, by rank
    assert ranks == sorted(ranks, reverse=True)
    export = app.server.test_client().get(f"/api/export/{sid}/skus.csv")
    header = export.get_data(as_text=True).lstrip("\ufeff").splitlines()[0].split(",")
    assert set(header) == EXPORTED
