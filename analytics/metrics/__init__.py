"""Metrics of canonical frames: filters, headline figures, series, breakdowns, SKUs.

Modules, lowest first: ``periods`` (the project's month-name table, period numbering, date
coverage), ``common`` (rounding, ratios, per-group sums), ``filters`` (date range,
categories, SKUs), ``cards`` (:func:`kpis`, :func:`kpi_cards` with comparison and
growth), ``series`` (per-period totals and margins, seasonality), ``breakdowns`` (totals
per category, SKU or customer, per period and group), ``skus`` (per-SKU totals, rankings,
ABC classes, loss makers, the SKU performance score and its drill-downs) and ``changes``
(what changed between two periods). The public names are re-exported here; import
them from ``analytics.metrics``.

The re-exports are loaded on first use (module ``__getattr__``), as in
``analytics.ingest``: the low-level ``analytics.metrics.periods`` (the month names) is
read by ``analytics.query``, ``analytics.ingest`` and ``analytics.grounding``, and
importing it runs this file first; eager imports here would load every metric module
for them, and close a loop through ``cards``, which reads order figures from
``analytics.query``.
"""

from __future__ import annotations

from analytics.lazy import lazy_exports

#: Public name → the module that defines it.
_EXPORTS: dict[str, str] = {
    "FREQ_ALIASES": "analytics.metrics.periods",
    "MONTH_LABELS": "analytics.metrics.periods",
    "MONTH_NAMES": "analytics.metrics.periods",
    "WEEKDAY_LABELS": "analytics.metrics.periods",
    "choose_granularity": "analytics.metrics.periods",
    "month_numbers": "analytics.metrics.periods",
    "month_starts_of": "analytics.metrics.periods",
    "NOT_SET": "analytics.metrics.common",
    "MetricError": "analytics.metrics.common",
    "DateLike": "analytics.metrics.filters",
    "FilterError": "analytics.metrics.filters",
    "date_bounds": "analytics.metrics.filters",
    "filter_frame": "analytics.metrics.filters",
    "parse_date": "analytics.metrics.filters",
    "previous_period_bounds": "analytics.metrics.filters",
    "KPI_CARD_KEYS": "analytics.metrics.cards",
    "HistoryFigures": "analytics.metrics.cards",
    "history_figures": "analytics.metrics.cards",
    "kpi_cards": "analytics.metrics.cards",
    "kpis": "analytics.metrics.cards",
    "profit_margin": "analytics.metrics.cards",
    "margin_series": "analytics.metrics.series",
    "margins_of": "analytics.metrics.series",
    "seasonality": "analytics.metrics.series",
    "timeseries": "analytics.metrics.series",
    "BREAKDOWN_KEYS": "analytics.metrics.breakdowns",
    "BREAKDOWN_METRICS": "analytics.metrics.breakdowns",
    "MAX_GRID_CELLS": "analytics.metrics.breakdowns",
    "breakdown": "analytics.metrics.breakdowns",
    "breakdown_by_period": "analytics.metrics.breakdowns",
    "AMBER_FROM": "analytics.metrics.skus",
    "BAND_LABELS": "analytics.metrics.skus",
    "FEW_SALES_BELOW": "analytics.metrics.skus",
    "GREEN_FROM": "analytics.metrics.skus",
    "MONTHLY_COLUMNS": "analytics.metrics.skus",
    "RANKING_METRICS": "analytics.metrics.skus",
    "SCORE_COLUMNS": "analytics.metrics.skus",
    "WEIGHTS": "analytics.metrics.skus",
    "SkuFigures": "analytics.metrics.skus",
    "UnknownSkuError": "analytics.metrics.skus",
    "abc_pareto": "analytics.metrics.skus",
    "band_label": "analytics.metrics.skus",
    "hide_few_sales": "analytics.metrics.skus",
    "loss_makers": "analytics.metrics.skus",
    "loss_making_skus": "analytics.metrics.skus",
    "monthly_sku_scores": "analytics.metrics.skus",
    "pareto_classes": "analytics.metrics.skus",
    "rank_skus": "analytics.metrics.skus",
    "score_band": "analytics.metrics.skus",
    "sku_figures": "analytics.metrics.skus",
    "sku_history": "analytics.metrics.skus",
    "sku_scores": "analytics.metrics.skus",
    "sku_summary": "analytics.metrics.skus",
    "sku_totals": "analytics.metrics.skus",
    "top_bottom_skus": "analytics.metrics.skus",
    "COMPARES": "analytics.metrics.changes",
    "MAX_VALUES": "analytics.metrics.changes",
    "TOP_VALUES": "analytics.metrics.changes",
    "Change": "analytics.metrics.changes",
    "change_json": "analytics.metrics.changes",
    "comparison_bounds": "analytics.metrics.changes",
    "split_candidates": "analytics.metrics.changes",
    "what_changed": "analytics.metrics.changes",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
