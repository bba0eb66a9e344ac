"""Everyday words for a measure and a direction: "busiest", "quietest", "popular"."""

from __future__ import annotations

from analytics.chat.common import ORDERS
from analytics.chat.vocabulary import (
    BUSY_SUPERLATIVE,
    BUSY_WORDS,
    POPULAR_LEAD,
    POPULAR_WORDS,
    QUIET_SUPERLATIVE,
)
from analytics.grounding.context import DataContext
from analytics.schema import QUANTITY

#: How an everyday word's measure is named in the note that says how it was read.
EVERYDAY_MEASURES = {
    ORDERS: "the number of orders",
    "transactions": "the number of transactions (lines: your data has no order id)",
    QUANTITY: "units sold",
}


def everyday_words(
    scan: str, ctx: DataContext
) -> tuple[str, tuple[str, str, bool] | None]:
    """``scan`` with "busiest"/"quietest"/"popular" replaced by the direction they
    carry ("most", "least"), and (word, measure, superlative) for the note, or None.

    Busy means orders (transactions when there is no order id); popular means units
    sold (orders, then transactions, when there is no quantity).
    """
    busy = ORDERS if ctx.has_orders else "transactions"
    found: tuple[str, str, bool] | None = None
    for pattern, direction in (
        (BUSY_SUPERLATIVE, "most"),
        (QUIET_SUPERLATIVE, "least"),
        (BUSY_WORDS, ""),
    ):
        for match in list(pattern.finditer(scan)):
            width = match.end() - match.start()
            scan = scan[: match.start()] + direction.ljust(width) + scan[match.end() :]
            found = found or (match.group(0), busy, bool(direction))
    popular = QUANTITY if ctx.has_quantity else busy
    for match in list(POPULAR_WORDS.finditer(scan)):
        lead = POPULAR_LEAD.search(scan[: match.start()])
        direction = "" if lead else "most"
        width = match.end() - match.start()
        scan = scan[: match.start()] + direction.ljust(width) + scan[match.end() :]
        superlative = not lead or lead.group(0).split()[0] in ("most", "least", "top")
        found = found or (match.group(0), popular, superlative)
    return scan, found
