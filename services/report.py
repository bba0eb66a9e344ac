"""The one-page report: what the dashboard shows for a session and its filters, gathered
once as plain data so the PDF and the Markdown/HTML brief say the same thing.

Every figure comes from what the dashboard and ``GET /api/data`` use (the view's
``services.overview.Overview``: cards and series; ``breakdown``, ``cached_sku_scores``,
the cached forecast and insights); nothing is recomputed another way. The forecast is only read
from the cache: a report never starts or waits for one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from analytics.chat import NO_MODEL
from analytics.forecast import MODEL_LABELS
from analytics.formatting import (
    MISSING,
    current_locale,
    format_date,
    format_money,
    format_month_span,
    format_number,
    format_pct,
    format_points,
)
from analytics.insights import insights
from analytics.metrics import (
    BAND_LABELS,
    breakdown,
    hide_few_sales,
)
from analytics.schema import CATEGORY, PROFIT, REVENUE
from services.forecasts import ForecastParams, cached_forecast
from services.overview import Overview
from services.session_meta import SessionMeta
from services.views import View, cached_sku_scores

#: SKUs listed at each end of the ranking.
SKU_ROWS = 5
#: Categories listed by name; the rest are summed as "Other categories".
CATEGORY_ROWS = 8
#: Insights listed (the dashboard shows 3-5).
INSIGHT_ROWS = 5

KPI_LABELS = {
    "total_revenue": "Total revenue",
    "total_cost": "Total cost",
    "gross_profit": "Gross profit",
    "profit_margin": "Profit margin",
    "transactions": "Transactions",
    "avg_transaction_value": "Avg transaction",
    "active_skus": "Active SKUs",
}
#: For these figures a rise is bad news.
RISE_IS_BAD = {"total_cost"}


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    #: "up +4.0%", or "" without a comparison (the period is ``content["comparison"]``)
    change: str
    #: "good", "bad", "flat" or "" (the words, never the colour alone, carry the meaning)
    tone: str


def money(value: object, currency: str) -> str:
    """Money to the cent, as in ``GET /api/data``."""
    return format_money(value, currency, decimals=2)


def _change(card: dict, key: str) -> tuple[str, str]:
    direction = card.get("direction")
    if card.get("previous") is None or direction is None:
        return "", ""
    if key == "profit_margin":
        text = format_points(card.get("change"))
    elif card.get("change") is None:
        text = "new"
    else:
        text = format_pct(card["change"], signed=True)
    word = {"up": "up", "down": "down", "flat": "unchanged"}[direction]
    tone = (
        "flat"
        if direction == "flat"
        else ("good" if (direction == "up") != (key in RISE_IS_BAD) else "bad")
    )
    return f"{word} {text}", tone


def comparison_label(cards: dict) -> str:
    """ "vs Jan 1, 2024 – Mar 31, 2024" (in the reader's locale) when the cards carry
    changes, else ""."""
    comparison = cards.get("comparison") or {}
    if comparison.get("available") and comparison.get("previous_start"):
        first = format_date(comparison["previous_start"])
        return f"vs {first} – {format_date(comparison['previous_end'])}"
    return ""


def _cards(cards: dict, currency: str, orders: dict) -> list[Card]:
    """The dashboard's cards in its order; with an order id, "Transactions (lines)"
    and the Orders and Avg order value cards, as on screen."""
    out = []
    has_orders = orders.get("orders") is not None
    for key, label in KPI_LABELS.items():
        if key == "transactions" and has_orders:
            label = "Transactions (lines)"
        card = cards[key]
        value = card["value"]
        if key == "profit_margin":
            text = format_pct(value)
        elif key in ("transactions", "active_skus"):
            text = format_number(value)
        else:
            text = money(value, currency)
        change, tone = _change(card, key)
        out.append(Card(label, text, change, tone))
        if key == "transactions" and has_orders:
            out.append(Card("Orders", format_number(orders["orders"]), "", ""))
            out.append(
                Card(
                    "Avg order value",
                    money(orders.get("avg_order_value"), currency),
                    "",
                    "",
                )
            )
    return out


def _growth_lines(growth: dict, currency: str) -> tuple[list[str], list[str]]:
    """Revenue growth as short lines (PDF card) and full sentences (brief)."""
    short, full = [], []
    for key, name in (("mom", "Month on month"), ("yoy", "Year on year")):
        item = growth.get(key)
        if not item:
            continue
        revenue = item.get("revenue") or {}
        change = revenue.get("change")
        change_text = format_pct(change, signed=True) if change is not None else "new"
        period = str(item["period"])
        if ".." in period:
            period = f"12 months to {format_month_span(period.split('..')[-1])}"
        else:
            period = format_month_span(period)
        short.append(f"{name}: {change_text} ({period})")
        full.append(
            f"{name}: revenue {money(revenue.get('value'), currency)} in "
            f"{format_month_span(item['period'])} vs "
            f"{money(revenue.get('previous'), currency)} in "
            f"{format_month_span(item['previous_period'])} ({change_text})"
        )
    return short, full


def _sku_rows(scores: pd.DataFrame, currency: str) -> list[dict[str, Any]]:
    rows = []
    for record in scores.to_dict("records"):
        rows.append(
            {
                "rank": int(record["rank"]),
                "sku": str(record["sku"]),
                "score": f"{record['score']:.0f}",
                "band": BAND_LABELS.get(record["band"], str(record["band"])),
                "revenue": money(record["revenue"], currency),
                "profit": money(record["profit"], currency),
                "transactions": format_number(record["transactions"]),
                "few_sales": bool(record.get("few_sales")),
            }
        )
    return rows


def _categories(rows: pd.DataFrame, currency: str) -> list[dict[str, Any]] | None:
    if not rows[CATEGORY].notna().any():
        return None
    table = breakdown(rows, by=CATEGORY)
    out = []
    for record in table.head(CATEGORY_ROWS).to_dict("records"):
        out.append(
            {
                "category": str(record[CATEGORY]),
                "revenue": money(record[REVENUE], currency),
                "profit": money(record[PROFIT], currency),
                "share": format_pct(record["revenue_share"]),
                "revenue_value": float(record[REVENUE]),
            }
        )
    rest = table.iloc[CATEGORY_ROWS:]
    if len(rest):
        profit = rest[PROFIT]
        out.append(
            {
                "category": f"Other categories ({len(rest)})",
                "revenue": money(rest[REVENUE].sum(), currency),
                "profit": money(
                    profit.sum() if profit.notna().any() else None, currency
                ),
                "share": format_pct(rest["revenue_share"].sum()),
                "revenue_value": float(rest[REVENUE].sum()),
            }
        )
    return out


def _forecast(store, sid: str, currency: str) -> dict[str, Any]:
    """The dashboard's default forecast when it is already cached (never started here)."""
    result = cached_forecast(store, sid, ForecastParams())
    if result is None:
        return {
            "available": False,
            "text": "Not computed yet: open the forecast on the dashboard, then "
            "download the report again to include it.",
        }
    if result.get("status") != "ready" or not result.get("points"):
        return {
            "available": False,
            "text": result.get("message") or "No forecast for this data.",
        }
    model = result.get("model")
    score = (result.get("backtest") or {}).get(model) or {}
    accuracy = "No backtest was possible (too little history)."
    if score.get("mase") is not None:
        error = score.get("mape")
        error_text = (
            f"average error {error:.1f}%"
            if error is not None
            else (
                f"average error {score['smape']:.1f}% (sMAPE)"
                if score.get("smape") is not None
                else "average error unknown"
            )
        )
        coverage = score.get("coverage_80")
        accuracy = (
            f"Backtest accuracy: MASE {score['mase']:.2f} "
            f"(below 1 beats repeating last season), {error_text}"
            + (
                f", {coverage:.0%} of actuals inside the 80% band."
                if coverage is not None
                else "."
            )
        )
    points = result["points"]
    total = sum(p["yhat"] for p in points if p.get("yhat") is not None)
    return {
        "available": True,
        "model": MODEL_LABELS.get(model, model or MISSING),
        "metric": result.get("metric", "revenue"),
        "freq_label": result.get("freq_label") or "",
        "history": [
            (p["date"], p["y"]) for p in result.get("history", []) if p["y"] is not None
        ],
        "points": [
            (p["date"], p.get("yhat"), p.get("yhat_lower_80"), p.get("yhat_upper_80"))
            for p in points
        ],
        "text": (
            f"{MODEL_LABELS.get(model, model)} forecast of "
            f"{result.get('metric', 'revenue')} for the next {len(points)} "
            f"{result.get('freq_label') or 'periods'} ({points[0]['date']} to "
            f"{points[-1]['date']}): {money(total, currency)} in total, of all data "
            "(the dashboard's filters do not apply to the forecast)."
        ),
        "accuracy": accuracy,
    }


def _insights(store, settings, view: View, currency: str) -> dict[str, Any]:
    """The insights the dashboard showed (cached), else the same insights without the model."""
    meta = view.dataset.meta
    sid, filters = meta.session_id, view.filters
    forecast = None if filters.active else cached_forecast(store, sid, ForecastParams())
    prefix = (
        f"insights:{meta.revision}:{current_locale().tag}:"
        f"{filters.key()}:{'forecast' if forecast else 'no-forecast'}:"
    )
    for model in (settings.OLLAMA_MODEL, NO_MODEL):
        cached = store.get_value(sid, prefix + model)
        if isinstance(cached, dict) and isinstance(cached.get("result"), dict):
            result = cached["result"]
            break
    else:
        result = store.get_value(sid, "report-" + prefix)
        if not isinstance(result, dict):
            result = insights(view.rows, forecast=forecast, currency=currency)
            try:
                store.set_value(sid, "report-" + prefix, result)
            except KeyError:  # the session ended meanwhile; the report is still right
                pass
    return {
        "summary": result.get("summary") or "",
        "items": [
            {"title": item.get("title", ""), "text": item.get("text", "")}
            for item in (result.get("insights") or [])[:INSIGHT_ROWS]
        ],
    }


def _quality(meta: SessionMeta) -> dict[str, Any]:
    report = meta.report
    rows_read = report.get("rows_read", meta.rows_read)
    lines = [f"{rows_read:,} rows read, {meta.rows:,} used."]
    for item in report.get("set_aside") or []:
        lines.append(f"{item['count']:,} set aside: {item['reason']}")
    duplicates = report.get("duplicates") or {}
    if duplicates.get("count"):
        lines.append(
            f"{duplicates['count']:,} exact duplicate row(s) "
            + ("dropped." if duplicates.get("dropped") else "kept.")
        )
    negatives = report.get("negatives") or {}
    if negatives.get("returns_or_cancellations"):
        lines.append(
            f"{negatives['returns_or_cancellations']:,} return/cancellation line(s) "
            "kept as negative amounts (totals are net)."
        )
    if negatives.get("stock_adjustments"):
        lines.append(
            f"{negatives['stock_adjustments']:,} stock adjustment line(s) (negative "
            "quantity, no amount) do not change revenue."
        )
    return {
        "lines": lines,
        "assumptions": list(report.get("assumptions") or []),
        "warnings": list(meta.warnings),
    }


def report_content(
    store,
    settings,
    view: View,
    *,
    granularity: str | None = None,
    min_sales: int | None = None,
) -> dict[str, Any]:
    """Everything the report shows for ``view``, as display strings plus chart series.

    ``granularity`` and ``min_sales`` are those of ``GET /api/data``. Raises
    ``ValueError`` for an unknown granularity.
    """
    meta, rows = view.dataset.meta, view.rows
    currency = meta.currency_symbol
    sid = meta.session_id
    content: dict[str, Any] = {
        "title": f"Revenue report: {meta.filename}",
        "filename": meta.filename,
        "currency": currency,
        "generated": datetime.fromtimestamp(time.time(), UTC).strftime(
            "%Y-%m-%d %H:%M UTC"
        ),
        "filters": view.filters.describe(),
        "rows_in_view": len(rows),
        "rows_total": len(view.dataset.frame),
        "span": None,
        "cards": [],
        "comparison": "",
        "growth": [],
        "growth_detail": [],
        "series": None,
        "categories": None,
        "top_skus": [],
        "bottom_skus": [],
        "forecast": _forecast(store, sid, currency),
        "quality": _quality(meta),
        "insights": {"summary": "", "items": []},
    }
    overview = Overview(view, granularity)
    granularity, series = overview.freq, overview.series
    if rows.empty:
        return content
    dates = rows["date"].dropna()
    if len(dates):
        content["span"] = (format_date(dates.min()), format_date(dates.max()))
    cards = overview.kpi_cards(None)
    content["cards"] = _cards(cards, currency, overview.orders)
    content["comparison"] = comparison_label(cards)
    content["growth"], content["growth_detail"] = _growth_lines(
        cards.get("growth") or {}, currency
    )
    content["series"] = {
        "freq": granularity,
        "periods": [p.strftime("%Y-%m-%d") for p in series["period"]],
        "revenue": series[REVENUE].round(2).tolist(),
        "profit": series[PROFIT].round(2).tolist()
        if series[PROFIT].notna().any()
        else None,
    }
    content["categories"] = _categories(rows, currency)
    scores = hide_few_sales(cached_sku_scores(store, view), min_sales)
    content["top_skus"] = _sku_rows(scores.head(SKU_ROWS), currency)
    bottom = scores.iloc[max(SKU_ROWS, len(scores) - SKU_ROWS) :]
    content["bottom_skus"] = _sku_rows(bottom.iloc[::-1], currency)
    content["sku_count"] = len(scores)
    content["insights"] = _insights(store, settings, view, currency)
    return content
