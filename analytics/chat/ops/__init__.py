"""The chat's operations, one module per family, registered in one table.

Each operation takes ``(sheet, frame, ctx, intent)``, computes its figures as facts on the
:class:`~analytics.grounding.FactSheet` and writes the templated answer lines. Forecasts
also take the dashboard's forecast (``op_forecast(..., given)``).
"""

from __future__ import annotations

from collections.abc import Callable

from analytics.chat.ops.breakdowns import op_breakdown
from analytics.chat.ops.cohorts import op_retention, op_rfm_segments
from analytics.chat.ops.customers import (
    op_new_customers,
    op_per_customer,
    op_repeat_customers,
)
from analytics.chat.ops.forecast import op_forecast
from analytics.chat.ops.help import op_help, op_out_of_scope, op_overview
from analytics.chat.ops.margin import op_margin, op_underperforming
from analytics.chat.ops.rankings import op_count, op_ranking
from analytics.chat.ops.refusal import op_not_covered
from analytics.chat.ops.skus import op_explain_rank, op_sku, op_unknown_sku
from analytics.chat.ops.totals import op_compare, op_compare_entities, op_total
from analytics.chat.ops.trend import op_trend
from analytics.chat.ops.weekdays import op_weekday_total

#: Intent kind -> operation (forecasts go through :func:`op_forecast`).
OPERATIONS: dict[str, Callable[..., None]] = {
    "total": op_total,
    "compare": op_compare,
    "ranking": op_ranking,
    "count": op_count,
    "compare_entities": op_compare_entities,
    "breakdown": op_breakdown,
    "trend": op_trend,
    "underperforming": op_underperforming,
    "margin": op_margin,
    "explain_rank": op_explain_rank,
    "sku": op_sku,
    "overview": op_overview,
    "help": op_help,
    "out_of_scope": op_out_of_scope,
    "unknown_sku": op_unknown_sku,
    "repeat_customers": op_repeat_customers,
    "new_customers": op_new_customers,
    "per_customer": op_per_customer,
    "retention": op_retention,
    "rfm_segments": op_rfm_segments,
    "weekday_total": op_weekday_total,
    "not_covered": op_not_covered,
}
#: Intents answered from templates only (the model adds nothing safe to them).
TEMPLATE_ONLY = frozenset({"help", "out_of_scope", "unknown_sku", "not_covered"})

__all__ = ["OPERATIONS", "TEMPLATE_ONLY", "op_forecast"]
