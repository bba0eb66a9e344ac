"""The grounding kernel shared by the chat and the insights.

Every figure shown to a user is a :class:`Fact` computed from the data; a :class:`FactSheet`
collects facts together with the lines that show them; :func:`unsupported_figures` checks
that every number in a text (a model's reply) is one of those facts. Periods
(:class:`Period`) and :class:`DataContext` describe what the data covers.
"""

from analytics.grounding.context import DataContext, data_context
from analytics.grounding.facts import (
    LLM,
    MAX_NAME_CHARS,
    MAX_REPLY_CHARS,
    NO_MODEL,
    Fact,
    FactSheet,
    quote,
)
from analytics.grounding.figures import (
    RELATIVE_SLACK,
    Figure,
    figures_in,
    misplaced_figures,
    prepare_text,
    unsupported_figures,
)
from analytics.grounding.periods import (
    MONTH_RE,
    MONTHS,
    YEAR_RE,
    Period,
    month_period,
    quarter_period,
    range_period,
    year_period,
)

__all__ = [
    "LLM",
    "MAX_NAME_CHARS",
    "MAX_REPLY_CHARS",
    "MONTHS",
    "MONTH_RE",
    "NO_MODEL",
    "RELATIVE_SLACK",
    "YEAR_RE",
    "DataContext",
    "Fact",
    "FactSheet",
    "Figure",
    "Period",
    "data_context",
    "figures_in",
    "misplaced_figures",
    "month_period",
    "prepare_text",
    "quarter_period",
    "quote",
    "range_period",
    "unsupported_figures",
    "year_period",
]
