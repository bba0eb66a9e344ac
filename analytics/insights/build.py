"""Choose the insights a frame supports and write the executive summary."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analytics.grounding import (
    data_context,
)
from analytics.insights.common import (
    MAX_INSIGHTS,
    MIN_INSIGHTS,
    slices_kept,
)
from analytics.insights.performance import (
    category_mix_insight,
    margin_insight,
    order_size_insight,
    skus_insight,
    summary_of,
    trend_insight,
)
from analytics.insights.timeline import (
    anomaly_insight,
    forecast_insight,
    seasonality_insight,
)
from analytics.metrics.skus import SkuFigures


def insights(
    df: pd.DataFrame,
    *,
    forecast: Any = None,
    currency: str | None = "$",
    sku_figures: SkuFigures | None = None,
) -> dict[str, Any]:
    """An executive summary and 3-5 insights about a canonical frame.

    Parameters
    ----------
    df:
        Canonical frame; uses ``date``, ``revenue``, ``profit``, ``sku``, ``category``.
    forecast:
        Optional ``ForecastResult`` (or its ``to_dict()``) for the outlook insight.
    currency:
        Symbol or code used to show money.
    sku_figures:
        The frame's ``analytics.metrics.sku_figures`` when already computed (shared
        with the SKU table and charts of the same rows); they must be those of ``df``.

    Returns
    -------
    ``{"summary": str, "insights": [{"title", "text", "kind", "facts": [{"label",
    "value", "display"}]}]}``; ``kind`` is one of ``revenue_trend``, ``margin``,
    ``skus``, ``anomaly``, ``forecast``, ``category_mix``, ``seasonality``,
    ``order_size``. Fewer than three only when the frame has no rows.
    """
    if len(df) == 0:
        return {"summary": "There is no data to summarise yet.", "insights": []}
    with slices_kept():
        return _insights(df, forecast, currency, sku_figures)


def _insights(
    df: pd.DataFrame,
    forecast: Any,
    currency: str | None,
    sku_figures: SkuFigures | None = None,
) -> dict[str, Any]:
    ctx = data_context(df)
    primary = (
        trend_insight(df, ctx, currency),
        margin_insight(df, ctx, currency),
        skus_insight(df, ctx, currency, sku_figures),
        anomaly_insight(df, ctx, currency),
        forecast_insight(df, ctx, forecast, currency),
    )
    chosen = [item for item in primary if item is not None]
    for fallback in (category_mix_insight, seasonality_insight, order_size_insight):
        if len(chosen) >= MIN_INSIGHTS:
            break
        item = fallback(df, ctx, currency)
        if item is not None:
            chosen.append(item)
    summary, _ = summary_of(df, ctx, currency)
    return {"summary": summary, "insights": chosen[:MAX_INSIGHTS]}
