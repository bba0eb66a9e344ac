"""``GET /api/data``: the session's document for API clients (metadata, KPIs, series,
breakdowns, SKU scores, customers, forecast), its parts kept in the store per data
revision and filters, and whole answers kept per worker."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from flask import request

from analytics.customers import summary_json
from analytics.metrics import FREQ_ALIASES, hide_few_sales
from services.datasets import Dataset
from services.forecasts import forecast_summary
from services.overview import Overview
from services.session_meta import SessionMeta
from services.views import (
    SCORE_FORMULA,
    VIEWS,
    Filters,
    View,
    cached_customer_view,
    cached_sku_scores,
    dimension_breakdown,
)
from web.api_params import Page
from web.extensions import extensions

logger = logging.getLogger(__name__)


def _iso(ts: float) -> str:
    return (
        datetime.fromtimestamp(ts, UTC)
        .replace(tzinfo=None)
        .isoformat(timespec="seconds")
    )


def _num(value: object, places: int = 2) -> float | None:
    if value is None:
        return None
    number = float(value)
    return round(number, places) if math.isfinite(number) else None


def _records(frame: pd.DataFrame, money: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, pd.Timestamp):
                clean[key] = value.strftime("%Y-%m-%d")
            elif isinstance(value, float):
                clean[key] = _num(value, 2 if key in money else 6)
            elif hasattr(value, "item"):
                clean[key] = value.item()
            else:
                clean[key] = value
        out.append(clean)
    return out


#: The computed parts of ``GET /api/data``, any of which ``?include=`` can ask for alone.
DATA_PARTS = (
    "kpis",
    "timeseries",
    "breakdowns",
    "sku_scores",
    "customers",
    "forecast",
)


#: Part of the names the computed parts are kept under: older layouts are ignored.
DATA_CACHE_VERSION = "d1"


def include_from_query() -> tuple[str, ...]:
    """``include``: comma-separated parts of DATA_PARTS; absent or empty → all of them.

    Raises ``ValueError`` with a message for the user on an unknown part.
    """
    raw = (request.args.get("include") or "").strip()
    if not raw:
        return DATA_PARTS
    asked = [p.strip() for p in raw.split(",") if p.strip()]
    unknown = [p for p in asked if p not in DATA_PARTS]
    if unknown:
        raise ValueError(
            f"Unknown part {unknown[0]!r} in include. Use any of "
            f"{', '.join(DATA_PARTS)} (comma-separated), or leave include out for all."
        )
    return tuple(p for p in DATA_PARTS if p in asked)


def customers_summary(view: View) -> dict[str, Any] | None:
    """``customers`` of ``/api/data``: the headline customer figures, None without
    customer ids (the whole view is ``GET /api/customers/<id>``)."""
    found = cached_customer_view(view)
    if found is None:
        return None
    full = summary_json(found)
    keys = (
        "unit",
        "repeat_basis",
        "customers",
        "repeat_customers",
        "repeat_rate",
        "orders_per_customer",
        "revenue_per_customer",
        "coverage",
        "notes",
    )
    return {k: full[k] for k in keys}


def _computed_part(
    part: str,
    overview: Overview,
    store,
    min_sales: int | None,
    page: Page,
) -> Any:
    view = overview.view
    if part == "kpis":
        return overview.kpis
    if part == "timeseries":
        return {
            "freq": overview.freq,
            "points": _records(overview.series, money=("revenue", "cost", "profit")),
        }
    if part == "breakdowns":
        if not overview.has_categories:
            return {
                "by_category": None,
                "by_period": None,
                "by_dimension": by_dimension(view),
            }
        return {
            "by_category": _records(
                overview.by_category, money=("revenue", "cost", "profit")
            ),
            "by_period": _records(overview.by_period, money=("revenue", "profit")),
            "by_dimension": by_dimension(view),
        }
    if part == "customers":
        return customers_summary(view)
    scores = hide_few_sales(cached_sku_scores(store, view), min_sales)
    return [
        _records(
            scores.iloc[page.offset : page.offset + page.limit],
            money=("revenue", "cost", "profit", "avg_amount"),
        ),
        {"offset": page.offset, "limit": page.limit, "total": int(len(scores))},
    ]


def current_forecast(
    store, sid: str, meta: SessionMeta | None = None
) -> dict[str, Any]:
    """The default forecast of ``GET /api/data``: ready when cached, else pending."""
    return forecast_summary(store, sid, extensions().settings, meta=meta)


class AnswerCache:
    """Encoded ``/api/data`` answers of this process, by everything they are made of.

    A repeated question (a dashboard polling, several API clients) is answered from these
    bytes without reading the computed parts back or encoding them again; the key holds
    the session's whole metadata (revision, expiry, warnings) and the forecast status, so
    any change to them makes a new answer. Safe across threads.
    """

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._answers: OrderedDict[str, bytes] = OrderedDict()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._answers.get(key)
            if body is not None:
                self._answers.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        with self._lock:
            self._answers[key] = body
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)


def column_kinds(dataset) -> list[dict[str, Any]]:
    """``[{name, kind, unit, role}]`` of every source column (see README, "Column kinds")."""
    report = dataset.meta.report
    return [
        {
            "name": c["name"],
            "kind": c["kind"],
            "unit": c.get("unit"),
            "role": c.get("role"),
        }
        for c in report.get("columns") or []
    ]


def by_dimension(view: View) -> list[dict[str, Any]] | None:
    """``breakdowns.by_dimension`` for ``group_by=Column`` (repeatable): revenue,
    profit, margin, orders, transactions and share per value (the figures the data
    has). Raises ``QueryError`` for an unknown column."""
    columns = request.args.getlist("group_by")
    if not columns:
        return None
    return dimension_breakdown(view, columns).rows


def data_payload(
    dataset: Dataset,
    filters: Filters,
    store,
    include: tuple[str, ...] = DATA_PARTS,
    min_sales: int | None = None,
    forecast: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``GET /api/data/<id>`` document (see README, "API"), with the parts asked for.

    The computed parts are kept in the session store under the data's revision, the
    filters and the parameters, so every worker answers a repeated question without
    filtering or aggregating again; the rest (metadata, forecast status) is read fresh.
    Raises ``FilterError`` or ``ValueError`` (e.g. an unknown granularity) for the user.
    """
    meta = dataset.meta
    sid = meta.session_id
    granularity = request.args.get("granularity") or None
    if granularity is not None and granularity not in FREQ_ALIASES:
        raise ValueError(
            f"Unknown granularity {granularity!r}; use one of {', '.join(FREQ_ALIASES)}."
        )
    settings = extensions().settings
    page = Page.from_query(settings.API_PAGE_SIZE, settings.API_MAX_PAGE_SIZE)
    key = json.dumps(
        [
            DATA_CACHE_VERSION,
            SCORE_FORMULA,
            meta.revision,
            filters.key(),
            granularity,
            min_sales,
            request.args.getlist("group_by"),
            page.offset,
            page.limit,
        ]
    )
    prefix = "api:" + hashlib.sha1(key.encode()).hexdigest()[:20]
    overview: Overview | None = None
    parts: dict[str, Any] = {}
    for part in include:
        if part == "forecast":
            continue
        cached = store.get_value(sid, f"{prefix}:{part}")
        if cached is None:
            if overview is None:
                overview = Overview(VIEWS.view(dataset, filters), granularity)
            cached = {"v": _computed_part(part, overview, store, min_sales, page)}
            store.set_value(sid, f"{prefix}:{part}", cached)
        if part == "sku_scores":
            parts["sku_scores"], parts["sku_scores_page"] = cached["v"]
        else:
            parts[part] = cached["v"]
    document: dict[str, Any] = {
        "session_id": sid,
        "created_at": _iso(meta.created_at),
        "expires_at": _iso(meta.expires_at),
        "source": {
            "filename": meta.filename,
            "rows": meta.rows_read,
            "columns": meta.columns,
            "type": meta.source,
        },
        "mapping": meta.mapping,
        "columns": column_kinds(dataset),
        "filters": filters.as_dict(),
    }
    document.update(parts)
    if "forecast" in include:
        document["forecast"] = (
            forecast if forecast is not None else current_forecast(store, sid)
        )
    document["warnings"] = meta.warnings
    document["quality"] = meta.report
    return document
