"""JSON API under ``/api/``: session data for API clients, and the dashboard's exports."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from flask import Blueprint, Response, current_app, g, request
from flask_limiter import Limiter

from analytics.changes import change_json
from analytics.customers import rfm_table, summary_json
from analytics.exports import to_csv_bytes, to_xlsx_bytes
from analytics.filters import FilterError
from analytics.forecast import ForecastError
from analytics.metrics import (
    FREQ_ALIASES,
    breakdown,
    breakdown_by_period,
    choose_granularity,
    kpis,
    timeseries,
)
from analytics.query import (
    QueryError,
    frame_model,
    run,
    spec_from_json,
)
from analytics.schema import CANONICAL_COLUMNS, CATEGORY, SOURCE_ROW
from analytics.sku import hide_few_sales
from analytics.sku_table import sku_export
from services.datasets import Dataset
from services.forecasts import (
    ForecastParams,
    compute_forecast,
    compute_group_forecast,
    forecast_summary,
)
from services.views import (
    SCORE_FORMULA,
    VIEWS,
    Filters,
    View,
    build_view,
    cached_customer_view,
    cached_dataset,
    cached_sku_scores,
    dataset_model,
    dimension_breakdown,
    split_filter_values,
    view_changes,
)
from web.errors import json_error
from web.ownership import NOT_OWNER_API_MESSAGE, is_owner

logger = logging.getLogger(__name__)

#: Longest time ``GET /api/forecast`` waits for a free job slot, in seconds.
API_SLOT_WAIT_SECONDS = 30.0

EXPORT_FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def session_not_found():
    hours = current_app.extensions["smbrc.settings"].SESSION_TIMEOUT_HOURS
    return json_error(
        f"This session does not exist or has expired (sessions last {hours:g} hours). "
        "Upload the file again to start a new one.",
        404,
    )


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


def _whole_number(raw: str, name: str) -> int:
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


EXPORT_NAMES = {"data": "cleaned", "skus": "sku-ranking", "customers": "customers-rfm"}


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
    view: View,
    store,
    granularity: str | None,
    min_sales: int | None,
    page: Page,
) -> Any:
    rows = view.rows
    if part == "kpis":
        return kpis(rows)
    if part == "timeseries":
        freq, series = timeseries(rows, granularity)
        return {
            "freq": freq,
            "points": _records(series, money=("revenue", "cost", "profit")),
        }
    if part == "breakdowns":
        if not rows[CATEGORY].notna().any():
            return {
                "by_category": None,
                "by_period": None,
                "by_dimension": by_dimension(view),
            }
        return {
            "by_category": _records(
                breakdown(rows, by=CATEGORY), money=("revenue", "cost", "profit")
            ),
            "by_period": _records(
                breakdown_by_period(
                    rows, granularity or choose_granularity(rows), by=CATEGORY
                ),
                money=("revenue", "profit"),
            ),
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


def current_forecast(store, sid: str, meta: dict | None = None) -> dict[str, Any]:
    return forecast_summary(
        store, sid, current_app.extensions["smbrc.settings"], meta=meta
    )


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
    report = dataset.meta.get("report") or {}
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
    sid = meta["session_id"]
    granularity = request.args.get("granularity") or None
    if granularity is not None and granularity not in FREQ_ALIASES:
        raise ValueError(
            f"Unknown granularity {granularity!r}; use one of {', '.join(FREQ_ALIASES)}."
        )
    settings = current_app.extensions["smbrc.settings"]
    page = Page.from_query(settings.API_PAGE_SIZE, settings.API_MAX_PAGE_SIZE)
    key = json.dumps(
        [
            DATA_CACHE_VERSION,
            SCORE_FORMULA,
            meta.get("revision", 0),
            filters.key(),
            granularity,
            min_sales,
            request.args.getlist("group_by"),
            page.offset,
            page.limit,
        ]
    )
    prefix = "api:" + hashlib.sha1(key.encode()).hexdigest()[:20]
    view: View | None = None
    parts: dict[str, Any] = {}
    for part in include:
        if part == "forecast":
            continue
        cached = store.get_value(sid, f"{prefix}:{part}")
        if cached is None:
            if view is None:
                view = VIEWS.view(dataset, filters)
            cached = {
                "v": _computed_part(part, view, store, granularity, min_sales, page)
            }
            store.set_value(sid, f"{prefix}:{part}", cached)
        if part == "sku_scores":
            parts["sku_scores"], parts["sku_scores_page"] = cached["v"]
        else:
            parts[part] = cached["v"]
    document: dict[str, Any] = {
        "session_id": sid,
        "created_at": _iso(meta["created_at"]),
        "expires_at": _iso(meta["expires_at"]),
        "source": {
            "filename": meta["filename"],
            "rows": meta["rows_read"],
            "columns": meta["columns"],
            "type": meta.get("source", "upload"),
        },
        "mapping": meta["mapping"],
        "columns": column_kinds(dataset),
        "filters": filters.as_dict(),
    }
    document.update(parts)
    if "forecast" in include:
        document["forecast"] = (
            forecast if forecast is not None else current_forecast(store, sid)
        )
    document["warnings"] = meta["warnings"]
    document["quality"] = meta["report"]
    return document


def create_api_blueprint(limiter: Limiter, settings) -> Blueprint:
    """Build the /api blueprint for one app instance, rate-limited per client IP."""
    bp = Blueprint("api", __name__, url_prefix="/api")
    limiter.limit(settings.rate_limit_string, scope="api")(bp)

    def view_or_error(session_id: str) -> View | tuple:
        store = current_app.extensions["smbrc.store"]
        dataset = cached_dataset(store, session_id)
        if dataset is None:
            return session_not_found()
        try:
            return build_view(dataset, filters_from_query())
        except FilterError as error:
            return json_error(str(error), 400)

    answers = AnswerCache()

    @bp.get("/data/<session_id>")
    def data(session_id: str):
        store = current_app.extensions["smbrc.store"]
        meta = store.get_meta(session_id)
        if meta is None:
            return session_not_found()
        try:
            include = include_from_query()
            min_sales = min_sales_from_query()
            filters = filters_from_query()
        except (FilterError, ValueError) as error:
            return json_error(str(error), 400)
        forecast = (
            current_forecast(store, session_id, meta) if "forecast" in include else None
        )
        raw_key = json.dumps(
            [
                DATA_CACHE_VERSION,
                SCORE_FORMULA,
                meta,
                filters.key(),
                sorted(request.args.items(multi=True)),
                min_sales,
                include,
                forecast,
            ],
            sort_keys=True,
            default=str,
        )
        key = hashlib.sha1(raw_key.encode()).hexdigest()
        body = answers.get(key)
        if body is None:
            dataset = cached_dataset(store, session_id)
            if dataset is None:
                return session_not_found()
            try:
                document = data_payload(
                    dataset, filters, store, include, min_sales, forecast
                )
            except FilterError as error:
                return json_error(str(error), 400)
            except ValueError as error:  # e.g. an unknown granularity
                return json_error(str(error), 400)
            body = current_app.json.response(document).get_data()
            answers.put(key, body)
        response = Response(body, mimetype="application/json")
        # an unchanged answer is a 304 to a client that has it, and compressed only once
        response.set_etag(key)
        g.compress_cache_key = key
        return response.make_conditional(request)

    @bp.get("/customers/<session_id>")
    def customers(session_id: str):
        view = view_or_error(session_id)
        if not isinstance(view, View):
            return view
        found = cached_customer_view(view)
        if found is None:
            return json_error(
                "This data has no customer column, so there are no customer figures. "
                "Map a column to Customer on the dashboard's data-quality card.",
                404,
            )
        return {
            "session_id": session_id,
            "filters": view.filters.as_dict(),
            **summary_json(found),
        }

    @bp.get("/changes/<session_id>")
    def changes(session_id: str):
        view = view_or_error(session_id)
        if not isinstance(view, View):
            return view
        args = request.args
        try:
            change = view_changes(
                view,
                args.get("compare") or "previous_period",
                by=args.get("by") or None,
                measure=args.get("measure") or "revenue",
                granularity=args.get("granularity") or None,
            )
        except FilterError as error:
            return json_error(str(error), 400)
        return {
            "session_id": session_id,
            "filters": view.filters.as_dict(),
            **change_json(change),
        }

    @bp.post("/query/<session_id>")
    def query(session_id: str):
        """Answer a query spec (JSON body, see README "Query API") on the session."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return json_error(
                'Send a JSON object such as {"measures": ["revenue"], "group_by": '
                '["Region"]} with Content-Type: application/json.',
                400,
            )
        store = current_app.extensions["smbrc.store"]
        dataset = cached_dataset(store, session_id)
        if dataset is None:
            return session_not_found()
        try:
            spec = spec_from_json(body)
            model = frame_model(dataset.frame, dataset_model(dataset))
            result = run(dataset.frame, spec, model)
        except QueryError as error:
            return json_error(str(error), 400)
        return {"session_id": session_id, **result.to_json()}

    @bp.get("/forecast/<session_id>")
    def forecast_route(session_id: str):
        """Forecast on demand (cached): ``metric``, ``horizon``, ``model``, ``freq``;
        with ``by`` (``sku``, ``category``, ``customer`` or a dimension's header) one
        forecast per value of that column for the ``limit`` largest (default 20, at
        most 200), fitted in one batch."""
        store = current_app.extensions["smbrc.store"]
        if store.get_meta(session_id) is None:
            return session_not_found()
        args = request.args
        try:
            params = ForecastParams.parse(
                args.get("metric"),
                args.get("horizon"),
                args.get("model"),
                args.get("freq"),
            )
        except ForecastError as error:
            return json_error(str(error), 400)
        if args.get("by"):
            try:
                limit = args.get("limit")
                result = compute_group_forecast(
                    store,
                    session_id,
                    params,
                    args["by"],
                    None if limit in (None, "") else _whole_number(limit, "limit"),
                    max_jobs=settings.MAX_CONCURRENT_JOBS,
                    wait_timeout=min(
                        API_SLOT_WAIT_SECONDS, settings.JOB_TIMEOUT_SECONDS
                    ),
                )
            except ForecastError as error:
                return json_error(str(error), 400)
            return session_not_found() if result is None else result
        # computed in this request (a thread, never a fork); a request waits a
        # bounded time for a job slot, then answers that the server is busy
        result = compute_forecast(
            store,
            session_id,
            params,
            max_jobs=settings.MAX_CONCURRENT_JOBS,
            wait_timeout=min(API_SLOT_WAIT_SECONDS, settings.JOB_TIMEOUT_SECONDS),
        )
        if result is None:
            return session_not_found()
        return result

    @bp.get("/export/<session_id>/<kind>.<fmt>")
    def export(session_id: str, kind: str, fmt: str):
        if kind not in ("data", "skus", "customers") or fmt not in EXPORT_FORMATS:
            return json_error(
                "Unknown export. Use data.csv, data.xlsx, skus.csv, skus.xlsx, "
                "customers.csv or customers.xlsx.",
                404,
            )
        view = view_or_error(session_id)
        if not isinstance(view, View):
            return view
        if kind == "data":
            # the columns the dataset has at all, so filters never change the layout
            full = view.dataset.frame
            keep = [
                c
                for c in CANONICAL_COLUMNS
                if c != SOURCE_ROW and c in full and full[c].notna().any()
            ]
            # then the file's dimensions and measures the data keeps, in file order
            keep += [
                c.field
                for c in dataset_model(view.dataset).columns
                if c.field and not c.role and c.field in full
            ]
            frame = view.rows[keep]
            sheet = "Data"
        elif kind == "customers":
            found = cached_customer_view(view)
            if found is None:
                return json_error(
                    "This data has no customer column, so there is no customer export.",
                    404,
                )
            frame = rfm_table(found)
            sheet = "Customers"
        else:
            try:
                min_sales = min_sales_from_query()
            except ValueError as error:
                return json_error(str(error), 400)
            frame = sku_export(
                hide_few_sales(
                    cached_sku_scores(current_app.extensions["smbrc.store"], view),
                    min_sales,
                )
            )
            sheet = "SKU ranking"
        body = (
            to_csv_bytes(frame)
            if fmt == "csv"
            else to_xlsx_bytes(frame, sheet_name=sheet)
        )
        stem = view.dataset.meta["filename"].rsplit(".", 1)[0][:60] or "export"
        safe_stem = "".join(
            ch if ch.isalnum() or ch in "-_ " else "_" for ch in stem
        ).strip()
        name = f"{safe_stem or 'export'}-{EXPORT_NAMES[kind]}.{fmt}"
        return Response(
            body,
            mimetype=EXPORT_FORMATS[fmt],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @bp.delete("/session/<session_id>")
    def delete_session(session_id: str):
        """Delete a session and its data now (owner only)."""
        store = current_app.extensions["smbrc.store"]
        meta = store.get_meta(session_id)
        if meta is None:
            return session_not_found()
        if not is_owner(meta):
            return json_error(NOT_OWNER_API_MESSAGE, 403)
        store.delete(session_id)
        return {"deleted": session_id}

    @bp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "DELETE"])
    @bp.route("/<path:rest>", methods=["GET", "POST", "DELETE"])
    def unknown(rest: str):
        return json_error(
            f"Unknown API path /api/{rest}. See the README's API section.", 404
        )

    return bp
