"""Executive summary and 3-5 insights, each written from facts computed on the data.

:func:`insights` picks, in this order, the insights the data supports: revenue trend
(latest year against the one before, or recent months), margin movement, the SKUs that
carry revenue and those that drag profit, anomalies (periods whose revenue is far from
the rolling median of their neighbours, by a robust z-score), the forecast outlook with
its backtested accuracy, then fallbacks (category mix, seasonality, order size) until
there are at least three. Every figure in the text is a fact listed with the insight.

:func:`phrase_with_llm` lets a language model reword the texts; each reworded text is
kept only when every figure in it matches the facts (``analytics.grounding``'s check).

Modules, lowest first: ``common`` (limits, the insight dict, periods and their rows),
``performance`` (trend, margin, SKUs, category mix, order size, the summary),
``timeline`` (anomalies, forecast outlook, seasonal peak), ``build`` (:func:`insights`)
and ``phrasing`` (the model's rewording). The public names are re-exported here.
"""

from analytics.insights.build import insights
from analytics.insights.common import (
    ANOMALY_MIN_PERIODS,
    ANOMALY_WINDOW,
    ANOMALY_Z,
    MAD_SCALE,
    MAX_INSIGHTS,
    MIN_INSIGHTS,
)
from analytics.insights.phrasing import build_insight_messages, phrase_with_llm
from analytics.insights.timeline import expected_revenue

__all__ = [
    "ANOMALY_MIN_PERIODS",
    "ANOMALY_WINDOW",
    "ANOMALY_Z",
    "MAD_SCALE",
    "MAX_INSIGHTS",
    "MIN_INSIGHTS",
    "build_insight_messages",
    "expected_revenue",
    "insights",
    "phrase_with_llm",
]
