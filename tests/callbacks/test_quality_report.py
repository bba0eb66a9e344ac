"""The data quality card shows the header rows and stock adjustments it was given."""

from __future__ import annotations

from components.quality import quality_card
from services.session_meta import SessionMeta


def _texts(component) -> list[str]:
    """Every string in a Dash component tree."""
    out: list[str] = []
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
        elif hasattr(node, "children"):
            stack.append(node.children)
    return out


def _meta(read: dict, negatives: dict) -> SessionMeta:
    return SessionMeta(
        report={
            "read": {"file_type": "csv", **read},
            "rows_read": 10,
            "set_aside": [],
            "negatives": negatives,
            "assumptions": [],
        },
        rows=10,
        mapping={},
        confidence={},
        columns=["Date", "Sales Amount"],
    )


def test_two_header_rows_are_shown_as_combined():
    card = quality_card(_meta({"header_row": 4, "header_rows": [3, 4]}, {}))
    assert "Header rows: 3–4 (combined)" in " ".join(_texts(card))
    card = quality_card(_meta({"header_row": 4, "header_rows": [4]}, {}))
    text = " ".join(_texts(card))
    assert "Header row: 4" in text
    assert "Header rows" not in text


def test_returns_and_stock_adjustments_are_counted_apart():
    negatives = {"returns_or_cancellations": 50, "stock_adjustments": 7}
    text = " ".join(_texts(quality_card(_meta({}, negatives))))
    assert "50 return/cancellation line(s) kept as negative amounts" in text
    assert (
        "7 line(s) with a negative quantity and no amount (stock adjustments)" in text
    )


def test_a_payment_log_card_shows_rows_set_aside_and_joined():
    from analytics.ingest import ingest_bytes
    from tests.fixtures.payment_logs import amazon_settlement

    log = amazon_settlement()
    result = ingest_bytes(log.data, log.filename)
    meta = SessionMeta(
        report=result.report,
        rows=len(result.frame),
        mapping=result.mapping,
        confidence=result.confidence,
        columns=list(result.table.columns),
    )
    text = " ".join(_texts(quality_card(meta)))
    joined = result.report["joined"]
    assert joined > 0
    assert f"{joined:,} fee, tax or quantity rows joined to their order's line" in text
    assert "1 set aside: summary row (the settlement or statement total" in text
    assert "Fees taken as cost" in text


def test_columns_are_listed_by_kind_with_units_and_roles():
    from analytics.ingest import ingest_bytes

    csv = (
        "Order ID,Date,Region,Sales,Discount,Notes\n"
        + "\n".join(
            f"SO-{i // 2},2024-01-{1 + i % 28:02d},{['East', 'West'][i % 2]},"
            f"{10 + i}.5,0.{i % 3},call back about delivery number {i}"
            for i in range(60)
        )
    ).encode()
    result = ingest_bytes(csv, "orders.csv")
    meta = _meta({}, {})
    meta.report["columns"] = result.report["columns"]
    text = " ".join(_texts(quality_card(meta)))
    assert "Dimensions (group and filter by): " in text
    assert "Region" in text
    assert "Discount (ratio)" in text
    assert "Sales (money, revenue)" in text
    assert "Order ID (order / invoice id)" in text
    assert "Notes" in text


def test_no_column_list_without_a_model():
    text = " ".join(_texts(quality_card(_meta({}, {}))))
    assert "Dimensions (group and filter by)" not in text
