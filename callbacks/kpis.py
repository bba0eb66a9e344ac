"""The KPI cards: headline figures of the view, with their change against the
comparison period."""

from __future__ import annotations

from dash import html

from analytics.formatting import (
    format_date,
    format_money,
    format_month_span,
    format_number,
    format_pct,
    format_points,
)
from components.cards import kpi_card

#: For these figures a rise is bad news (shown in red).
RISE_IS_BAD = {"total_cost"}


def _change_note(card: dict, key: str, period_label: str) -> html.Span | None:
    change, direction = card.get("change"), card.get("direction")
    if card.get("previous") is None or direction is None:
        return None
    if key == "profit_margin":
        text = format_points(change)
    else:
        text = format_pct(change, signed=True) if change is not None else "new"
    arrow = {"up": "▲", "down": "▼", "flat": "■"}[direction]
    good = (direction == "up") != (key in RISE_IS_BAD)
    tone = (
        "text-muted"
        if direction == "flat"
        else ("text-success" if good else "text-danger")
    )
    return html.Span(
        [
            html.Span(f"{arrow} {text}", className=f"fw-semibold {tone}"),
            f" {period_label}",
        ]
    )


def kpi_row(cards: dict, currency: str, orders: dict | None = None) -> list:
    """The KPI cards; with ``orders`` (``analytics.query.order_figures``) holding a
    count, Orders and Average order value cards follow the lines (transactions)."""
    comparison = cards.get("comparison") or {}
    period_label = "vs previous period"
    if comparison.get("available") and comparison.get("previous_start"):
        said = f"{comparison['label']} " if comparison.get("label") else ""
        first, last = comparison["previous_start"], comparison["previous_end"]
        period_label = f"vs {said}{format_date(first)} – {format_date(last)}"

    def money(key: str, label: str, tone_by_sign: bool = False) -> object:
        card = cards[key]
        value = card["value"]
        tone = None
        if tone_by_sign and value is not None:
            tone = "success" if value >= 0 else "danger"
        return kpi_card(
            label,
            format_money(value, currency),
            tone=tone,
            note=_change_note(card, key, period_label),
            card_id=f"kpi-{key}",
        )

    margin = cards["profit_margin"]
    out = [
        money("total_revenue", "Total revenue"),
        money("total_cost", "Total cost"),
        money("gross_profit", "Gross profit", tone_by_sign=True),
        kpi_card(
            "Profit margin",
            format_pct(margin["value"]),
            tone=None
            if margin["value"] is None
            else ("success" if margin["value"] >= 0 else "danger"),
            note=_change_note(margin, "profit_margin", period_label),
            card_id="kpi-profit_margin",
        ),
        growth_card(cards.get("growth") or {}),
        kpi_card(
            "Transactions (lines)"
            if (orders or {}).get("orders") is not None
            else "Transactions",
            format_number(cards["transactions"]["value"]),
            note=_change_note(cards["transactions"], "transactions", period_label),
            card_id="kpi-transactions",
        ),
        *_order_cards(orders or {}, currency),
        money("avg_transaction_value", "Avg transaction"),
        kpi_card(
            "Active SKUs",
            format_number(cards["active_skus"]["value"]),
            note=_change_note(cards["active_skus"], "active_skus", period_label),
            card_id="kpi-active_skus",
        ),
    ]
    return out


def _order_cards(orders: dict, currency: str) -> list:
    if orders.get("orders") is None:
        return []
    repeat = orders.get("repeat_customers")
    customers = orders.get("customers")
    note = (
        f"{format_number(repeat)} of {format_number(customers)} customers ordered more "
        "than once"
        if repeat is not None and customers
        else None
    )
    return [
        kpi_card(
            "Orders",
            format_number(orders["orders"]),
            note=note,
            card_id="kpi-orders",
        ),
        kpi_card(
            "Avg order value",
            format_money(orders.get("avg_order_value"), currency),
            note="net revenue / orders",
            card_id="kpi-avg_order_value",
        ),
    ]


def growth_card(growth: dict) -> object:
    lines = []
    headline = "—"
    for key, label in (("mom", "Month on month"), ("yoy", "Year on year")):
        item = growth.get(key)
        if not item:
            continue
        change = item["revenue"].get("change")
        text = format_pct(change, signed=True) if change is not None else "—"
        if headline == "—":
            headline = text
        tone = (
            "" if change is None else ("text-success" if change >= 0 else "text-danger")
        )
        lines.append(
            html.Div(
                [
                    f"{label}: ",
                    html.Span(text, className=f"fw-semibold {tone}"),
                    f" ({format_month_span(item['period'])})",
                ]
            )
        )
    if not lines:
        lines = ["Needs at least two full months of history."]
    return kpi_card("Revenue growth", headline, note=lines, card_id="kpi-growth")
