"""Query parameters shared by the JSON routes (``/api``, chat, report, share): filters,
``min_sales``, paging; and the answer for an unknown or expired session."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import request

from analytics.forecast import ForecastError
from analytics.metrics import FilterError
from services.views import Filters, split_filter_values
from web.errors import json_error
from web.extensions import extensions

logger = logging.getLogger(__name__)


def session_not_found():
    """The JSON 404 for an unknown or expired session."""
    hours = extensions().settings.SESSION_TIMEOUT_HOURS
    return json_error(
        f"This session does not exist or has expired (sessions last {hours:g} hours). "
        "Upload the file again to start a new one.",
        404,
    )


def dimension_filters(raw: list[str]) -> dict[str, list[str]]:
    """``filter=Column:v1,v2`` parameters (repeatable) as ``{column: [values]}``;
    raises ``FilterError`` for one without a column or values."""
    chosen: dict[str, list[str]] = {}
    for item in raw:
        column, sep, values = item.partition(":")
        picked = split_filter_values(values)
        if not sep or not column.strip() or not picked:
            raise FilterError(
                f"The filter '{item}' must look like filter=Column:value1,value2 "
                "(for example filter=Region:West,East; a value holding a comma in "
                'double quotes: filter=Customer:"Smith, John").'
            )
        chosen.setdefault(column.strip(), []).extend(picked)
    return chosen


@dataclass(frozen=True)
class Page:
    """``limit`` and ``offset`` query parameters of a paged collection."""

    offset: int
    limit: int

    @classmethod
    def from_query(cls, default: int, maximum: int) -> Page:
        """Read ``offset`` (default 0) and ``limit`` (default ``default``, at most
        ``maximum``); raises ``ValueError`` with a user message for bad values."""
        values = {}
        for name, fallback in (("offset", 0), ("limit", default)):
            raw = request.args.get(name)
            try:
                values[name] = fallback if raw in (None, "") else int(raw)
            except ValueError:
                raise ValueError(
                    f"{name} must be a whole number, not {raw!r}."
                ) from None
        if values["offset"] < 0:
            raise ValueError(
                "offset must be 0 or more (the position of the first SKU to return)."
            )
        if not 1 <= values["limit"] <= maximum:
            raise ValueError(
                f"limit must be between 1 and {maximum:,} (SKUs per page); page through "
                "longer rankings with offset."
            )
        return cls(offset=values["offset"], limit=values["limit"])


def filters_from_query() -> Filters:
    """``start``, ``end`` (YYYY-MM-DD), ``category`` (comma-separated), ``sku``
    (substring) and ``filter=Column:v1,v2`` (repeatable, any column the data keeps)."""
    args = request.args
    return Filters.from_inputs(
        args.get("start"),
        args.get("end"),
        args.get("category"),
        args.get("sku"),
        dimensions=dimension_filters(args.getlist("filter")),
    )


def whole_number(raw: str, name: str) -> int:
    """A positive whole number from the query, or ``ForecastError`` saying what is wrong."""
    text = str(raw).strip()
    if not text.isdigit():
        raise ForecastError(f"{name} must be a whole number, got {text[:20]!r}.")
    return int(text)


def min_sales_from_query() -> int | None:
    """``min_sales``: hide SKUs with fewer sales (a whole number ≥ 1); absent or empty → None.

    Raises ``ValueError`` with a message for the user on anything else.
    """
    raw = (request.args.get("min_sales") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(
            f"min_sales must be a whole number of at least 1 (got {raw!r}); "
            "leave it out to show every SKU."
        )
    return int(raw)
