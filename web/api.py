"""JSON API under ``/api/``: session data for API clients, and the dashboard's exports."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from flask import Blueprint, Response, current_app, request
from flask_limiter import Limiter

from analytics.exports import to_csv_bytes, to_xlsx_bytes
from analytics.filters import FilterError
from analytics.forecast import ForecastError
from analytics.metrics import breakdown, breakdown_by_period, kpis, timeseries
from analytics.query import (
    QueryError,
    frame_model,
    run,
    spec_from_json,
)
from analytics.schema import CANONICAL_COLUMNS, CATEGORY, SOURCE_ROW
from analytics.sku import hide_few_sales
from services.forecasts import ForecastParams, compute_forecast, forecast_summary
from services.views import (
    Filters,
    View,
    build_view,
    cached_dataset,
    cached_sku_scores,
    dataset_model,
    dimension_breakdown,
)
from web.errors import json_error
from web.ownership import NOT_OWNER_API_MESSAGE, is_owner

logger = logging.getLogger(__name__)

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
        picked = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not column.strip() or not picked:
            raise FilterError(
                f"The filter '{item}' must look like filter=Column:value1,value2 "
                "(for example filter=Region:West,East)."
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


def data_payload(view: View, store) -> dict[str, Any]:
    """The ``GET /api/data/<id>`` document (see README, "API")."""
    meta, rows = view.dataset.meta, view.rows
    granularity = request.args.get("granularity") or None
    granularity, series = timeseries(rows, granularity)
    money = ("revenue", "cost", "profit", "avg_amount")
    settings = current_app.extensions["smbrc.settings"]
    page = Page.from_query(settings.API_PAGE_SIZE, settings.API_MAX_PAGE_SIZE)
    scores = hide_few_sales(cached_sku_scores(store, view), min_sales_from_query())
    by_category = breakdown(rows, by=CATEGORY) if rows[CATEGORY].notna().any() else None
    return {
        "session_id": meta["session_id"],
        "created_at": _iso(meta["created_at"]),
        "expires_at": _iso(meta["expires_at"]),
        "source": {
            "filename": meta["filename"],
            "rows": meta["rows_read"],
            "columns": meta["columns"],
            "type": meta.get("source", "upload"),
        },
        "mapping": meta["mapping"],
        "columns": column_kinds(view.dataset),
        "filters": view.filters.as_dict(),
        "kpis": kpis(rows),
        "timeseries": {
            "freq": granularity,
            "points": _records(series, money=("revenue", "cost", "profit")),
        },
        "breakdowns": {
            "by_category": None
            if by_category is None
            else _records(by_category, money=("revenue", "cost", "profit")),
            "by_period": None
            if by_category is None
            else _records(
                breakdown_by_period(rows, granularity, by=CATEGORY),
                money=("revenue", "profit"),
            ),
            "by_dimension": by_dimension(view),
        },
        "sku_scores": _records(
            scores.iloc[page.offset : page.offset + page.limit],
            money=money,
        ),
        "sku_scores_page": {
            "offset": page.offset,
            "limit": page.limit,
            "total": int(len(scores)),
        },
        "forecast": forecast_summary(
            store,
            meta["session_id"],
            max_jobs=current_app.extensions["smbrc.settings"].MAX_CONCURRENT_JOBS,
        ),
        "warnings": meta["warnings"],
        "quality": meta["report"],
    }


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

    @bp.get("/data/<session_id>")
    def data(session_id: str):
        view = view_or_error(session_id)
        if not isinstance(view, View):
            return view
        try:
            return data_payload(view, current_app.extensions["smbrc.store"])
        except ValueError as error:  # an unknown granularity or group_by column
            return json_error(str(error), 400)

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
        """Forecast on demand (cached): ``metric``, ``horizon``, ``model``, ``freq``."""
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
        result = compute_forecast(
            store, session_id, params, max_jobs=settings.MAX_CONCURRENT_JOBS
        )
        if result is None:
            return session_not_found()
        return result

    @bp.get("/export/<session_id>/<kind>.<fmt>")
    def export(session_id: str, kind: str, fmt: str):
        if kind not in ("data", "skus") or fmt not in EXPORT_FORMATS:
            return json_error(
                "Unknown export. Use data.csv, data.xlsx, skus.csv or skus.xlsx.", 404
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
        else:
            try:
                min_sales = min_sales_from_query()
            except ValueError as error:
                return json_error(str(error), 400)
            frame = hide_few_sales(
                cached_sku_scores(current_app.extensions["smbrc.store"], view),
                min_sales,
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
        name = f"{safe_stem or 'export'}-{'cleaned' if kind == 'data' else 'sku-ranking'}.{fmt}"
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
