"""The dashboard's overview of one filtered view: KPIs, the time series, breakdowns and
SKU rankings, built the same way for every reader.

The overview callbacks (``callbacks.dashboard``: KPI cards and charts) and ``GET /api/data``
(``web.api``) read their figures from one :class:`Overview`; each figure is computed on
first use and kept on the instance, so a reader pays only for what it shows.
"""

from __future__ import annotations

from functools import cached_property

import pandas as pd

from analytics.metrics import (
    breakdown,
    breakdown_by_period,
    choose_granularity,
    kpi_cards,
    kpis,
    margins_of,
    pareto_classes,
    rank_skus,
    seasonality,
    timeseries,
)
from analytics.query import order_figures
from analytics.schema import CATEGORY, PROFIT, REVENUE
from services.views import (
    Comparison,
    View,
    cached_history_figures,
    cached_sku_figures,
    view_comparison,
)

#: What the SKU charts can rank and split by; anything else is read as revenue.
SKU_METRICS = (REVENUE, PROFIT)


class Overview:
    """The overview of ``view`` at ``granularity`` ("day", "week", "month", "quarter";
    None: chosen from the span of the rows in view)."""

    def __init__(self, view: View, granularity: str | None = None) -> None:
        self.view = view
        self.granularity = granularity or None

    @property
    def rows(self) -> pd.DataFrame:
        return self.view.rows

    @property
    def currency(self) -> str:
        return self.view.dataset.meta.currency_symbol

    # -- headline figures ---------------------------------------------------------------
    @cached_property
    def kpis(self) -> dict:
        """``analytics.metrics.kpis`` of the rows in view."""
        return kpis(self.rows)

    @cached_property
    def orders(self) -> dict:
        """Order, customer and average-order figures of the rows in view."""
        return order_figures(self.rows)

    def comparison(self, compare: str | None) -> Comparison | None:
        """The comparison period (``previous_period``, ``year_ago``) at the overview's
        period, weekday-aligned for daily and weekly series; None when off."""
        return view_comparison(self.view, compare, self.freq)

    def kpi_cards(self, comparison: Comparison | None) -> dict:
        """The KPI cards of the rows in view, compared with ``comparison`` when the data
        covers it (else with the period before the selected dates); the history's
        coverage and monthly totals are shared by every date range of the same filters."""
        filters = self.view.filters
        return kpi_cards(
            self.view.history,
            self.rows,
            start=filters.start,
            end=filters.end,
            previous=comparison.rows
            if comparison is not None and comparison.covered
            else None,
            history=cached_history_figures(self.view),
        )

    # -- over time ----------------------------------------------------------------------
    @cached_property
    def freq(self) -> str:
        """The period the series are summed by."""
        return self.granularity or choose_granularity(self.rows)

    @cached_property
    def series(self) -> pd.DataFrame:
        """Revenue, cost and profit per period (``analytics.metrics.timeseries``)."""
        return timeseries(self.rows, self.granularity)[1]

    @cached_property
    def margins(self) -> pd.DataFrame:
        """The margin per period of :attr:`series`."""
        return margins_of(self.series)

    def compared_series(self, comparison: Comparison | None) -> pd.DataFrame | None:
        """The series of the comparison period (None without one or without its data)."""
        if comparison is None or not comparison.covered or not len(comparison.rows):
            return None
        return timeseries(comparison.rows, self.freq)[1]

    @cached_property
    def seasonality(self) -> dict[str, pd.DataFrame | None]:
        return seasonality(self.rows)

    # -- by category ----------------------------------------------------------------------
    @cached_property
    def has_categories(self) -> bool:
        return bool(self.rows[CATEGORY].notna().any())

    @cached_property
    def by_category(self) -> pd.DataFrame | None:
        """Totals per category, largest first; None when no row has a category."""
        return breakdown(self.rows, by=CATEGORY) if self.has_categories else None

    @cached_property
    def by_period(self) -> pd.DataFrame | None:
        """Revenue and profit per period and category; None when no row has a category."""
        if not self.has_categories:
            return None
        return breakdown_by_period(self.rows, self.freq, by=CATEGORY)

    # -- by SKU ---------------------------------------------------------------------------
    def sku_metric(self, asked: str | None) -> str:
        """What the SKU bars rank by: ``asked`` when it is revenue or profit and the data
        has it, else revenue."""
        metric = asked if asked in SKU_METRICS else REVENUE
        if metric == PROFIT and not self.rows[PROFIT].notna().any():
            return REVENUE
        return metric

    @cached_property
    def sku_totals(self) -> pd.DataFrame:
        """Per-SKU totals, one pass for the rankings and the Pareto classes (shared with
        the SKU table and the insights of the same view)."""
        return cached_sku_figures(self.view).totals

    def top_bottom(self, metric: str, n: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The ``n`` best and worst SKUs by ``metric`` (see :meth:`sku_metric`)."""
        return rank_skus(self.sku_totals, n=n, by=metric)

    def pareto(self, by: str) -> pd.DataFrame:
        """ABC classes of the SKUs by ``by`` (revenue or profit)."""
        return pareto_classes(self.sku_totals, by=by)
