"""Shared types and vocabulary-free constants of the chat: intents, answers, labels."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from analytics.errors import UserFacingError
from analytics.grounding.context import DataContext
from analytics.grounding.facts import (
    NO_MODEL,
    Fact,
)
from analytics.grounding.periods import (
    Period,
)
from analytics.schema import (
    CATEGORY,
    COST,
    CUSTOMER,
    PROFIT,
    QUANTITY,
    REVENUE,
    SKU,
)

#: Longest question accepted, in characters.
MAX_QUESTION_CHARS = 500
#: Longest model reply accepted, in characters.
DEFAULT_TOP_N = 5
#: Lowest-ranked SKUs explained one by one (each explanation rescores every SKU).
EXPLAINED_SKUS = 3
#: A SKU's revenue must drop by at least this share to count as falling.
FALLING_SHARE = 0.1
MAX_TOP_N = 25
#: Previous turns given to the model as context.
HISTORY_TURNS = 3
#: ``ChatAnswer.model`` when the answer is the templated one.
#: Header of the facts block in the system prompt (followed by a fenced JSON list).
FACTS_HEADER = "Facts (JSON)"

#: Average transaction value (revenue / transactions), a chat metric.
AOV = "avg_transaction"
#: Average order value (revenue / distinct orders), when lines carry an order id.
AOV_ORDER = "avg_order"
#: Distinct orders (order ids), when lines carry an order id.
ORDERS = "orders"
#: Distinct customers (customer ids), when lines carry a customer id.
CUSTOMERS = "customers"
#: Average price per unit sold: revenue / units (the quantity-weighted average of the
#: lines' unit prices), when lines carry a quantity.
AVG_PRICE = "avg_price"
#: Chat metrics as the query engine's measures (the average transaction value is
#: derived: revenue / transactions).
ENGINE_MEASURES = {
    REVENUE: "revenue",
    PROFIT: "profit",
    COST: "cost",
    "margin": "margin",
    QUANTITY: "quantity",
    "transactions": "transactions",
    ORDERS: "orders",
    AOV_ORDER: "aov",
    CUSTOMERS: "customers",
}
METRIC_LABELS: dict[str, str] = {
    REVENUE: "Revenue",
    PROFIT: "Profit",
    COST: "Cost",
    "margin": "Profit margin",
    QUANTITY: "Units sold",
    "transactions": "Transactions",
    AOV: "Average transaction value",
    AOV_ORDER: "Average order value",
    ORDERS: "Orders",
    CUSTOMERS: "Customers",
    AVG_PRICE: "Average price per unit",
}
DIMENSION_LABELS: dict[str, tuple[str, str]] = {
    SKU: ("SKU", "SKUs"),
    CATEGORY: ("category", "categories"),
    CUSTOMER: ("customer", "customers"),
}
EXAMPLE_QUESTIONS: tuple[str, ...] = (
    "What are the main revenue trends this year?",
    "What was revenue in March 2016?",
    "Top 5 products by profit",
    "How does 2017 compare with 2016?",
    "Which SKUs are underperforming and why?",
    "How can I improve my profit margin?",
    "What is the forecast for next quarter?",
    "Why is SKU <id> ranked low?",
)


class ChatError(UserFacingError, ValueError):
    """A question that cannot be answered as asked (message is shown to the user)."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ChatAnswer:
    """An answer and what it rests on; :meth:`to_dict` is the JSON shape for the web layer.

    ``model`` is the model's name when its reply passed the figure check, else ``"none"``;
    ``note`` says when and why the model was not used (None when it was, or when no
    model was configured); ``intent`` is the parsed question type.
    """

    answer: str
    facts: tuple[Fact, ...] = ()
    model: str = NO_MODEL
    operations: tuple[dict[str, Any], ...] = ()
    based_on: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    intent: str = "overview"

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "facts": [fact.to_dict() for fact in self.facts],
            "model": self.model,
            "operations": [dict(op) for op in self.operations],
            "based_on": dict(self.based_on),
            "note": self.note,
        }


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Intent:
    """A parsed question.

    ``kind`` is one of ``total``, ``trend``, ``compare``, ``ranking``, ``breakdown``,
    ``underperforming``, ``margin``, ``forecast``, ``explain_rank``, ``sku``,
    ``overview``, ``out_of_scope``, ``help``, ``unknown_sku``.
    """

    kind: str
    metric: str = REVENUE
    metric_given: bool = False
    periods: tuple[Period, ...] = ()
    n: int | None = None
    bottom: bool = False
    dimension: str | None = None
    skus: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    horizon: tuple[str, int] | None = None
    notes: tuple[str, ...] = ()
    topic: str | None = None
    follow_up: bool = False
    missing_sku: str | None = None
    #: Filters on the file's other dimension columns: (frame column, values).
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Parts of the question the data or the chat cannot answer (see ``coverage``).
    gaps: tuple[Gap, ...] = ()
    #: "What share of ...": show the total's share of the unfiltered total.
    share: bool = False
    #: For a question that cannot be answered: the kind it was read as.
    asked: str | None = None
    #: A measure column of the file the question names (its header), answered by the
    #: query engine with the unit and aggregation the dataset model gives it.
    measure: str | None = None
    #: Days of the week the question is about (Monday = 0): a filter ("on Mondays",
    #: "on weekends"), answered by the ``weekday_total`` intent.
    weekdays: tuple[int, ...] = ()


@dataclass(frozen=True)
class Gap:
    """A part of a question that cannot be answered, and why (shown to the user)."""

    part: str
    reason: str
    #: "unknown" for a word the parser does not know; "other" for a named column,
    #: value or concept the data cannot answer (never dropped silently).
    kind: str = "other"


def dimension_words(dimension: str) -> tuple[str, str]:
    """(singular, plural) words for a dimension: a canonical one or a column header."""
    if dimension in DIMENSION_LABELS:
        return DIMENSION_LABELS[dimension]
    words = " ".join(re.findall(r"[^\W_]+", dimension)) or dimension
    lower = words if words.isupper() else words.lower()
    if lower.endswith("y") and not lower.endswith(("ay", "ey", "oy", "uy")):
        return lower, lower[:-1] + "ies"
    if lower.endswith(("s", "x", "ch", "sh")):
        return lower, lower if lower.endswith("s") else lower + "es"
    return lower, lower + "s"


#: Calendar patterns across years: the month of the year and the day of the week.
CALENDAR_DIMENSIONS: tuple[str, ...] = ("month_of_year", "weekday")
PERIOD_DIMENSIONS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")


def metric_available(ctx: DataContext, metric: str) -> bool:
    """Whether the data holds the figures ``metric`` needs."""
    if metric in (PROFIT, "margin"):
        return ctx.has_profit
    if metric == COST:
        return ctx.has_cost
    if metric in (QUANTITY, AVG_PRICE):
        return ctx.has_quantity
    if metric in (ORDERS, AOV_ORDER):
        return ctx.has_orders
    if metric == CUSTOMERS:
        return ctx.has_customer
    return True
