"""JSON API under ``/api/``: session data for API clients, and the dashboard's exports."""

from __future__ import annotations

import hashlib
import json
import logging

from flask import Blueprint, Response, current_app, g, request
from flask_limiter import Limiter

from analytics.customers import rfm_table, summary_json
from analytics.exports import to_csv_bytes, to_xlsx_bytes
from analytics.forecast import ForecastError
from analytics.metrics import FilterError, change_json, hide_few_sales
from analytics.metrics.sku_table import sku_export
from analytics.query import QueryError, frame_model, run, spec_from_json
from analytics.schema import CANONICAL_COLUMNS, SOURCE_ROW
from services.forecasts import ForecastParams, compute_forecast, compute_group_forecast
from services.views import (
    SCORE_FORMULA,
    View,
    build_view,
    cached_customer_view,
    cached_dataset,
    cached_sku_scores,
    dataset_model,
    view_changes,
)
from web.api_data import (
    DATA_CACHE_VERSION,
    AnswerCache,
    current_forecast,
    data_payload,
    include_from_query,
)
from web.api_params import (
    filters_from_query,
    min_sales_from_query,
    session_not_found,
    whole_number,
)
from web.errors import json_error, not_json_object
from web.extensions import extensions
from web.ownership import NOT_OWNER_API_MESSAGE, is_owner

logger = logging.getLogger(__name__)

#: Longest time ``GET /api/forecast`` waits for a free job slot, in seconds.
API_SLOT_WAIT_SECONDS = 30.0

EXPORT_FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


EXPORT_NAMES = {"data": "cleaned", "skus": "sku-ranking", "customers": "customers-rfm"}


def create_api_blueprint(limiter: Limiter, settings) -> Blueprint:
    """Build the /api blueprint for one app instance, rate-limited per client IP."""
    bp = Blueprint("api", __name__, url_prefix="/api")
    limiter.limit(settings.rate_limit_string, scope="api")(bp)

    def view_or_error(session_id: str) -> View | tuple:
        store = extensions().store
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
        store = extensions().store
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
                meta.to_dict(),
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
        example = '{"measures": ["revenue"], "group_by": ["Region"]}'
        if refused := not_json_object(body, example):
            return refused
        store = extensions().store
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
        store = extensions().store
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
                    None if limit in (None, "") else whole_number(limit, "limit"),
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
                    cached_sku_scores(extensions().store, view),
                    min_sales,
                )
            )
            sheet = "SKU ranking"
        body = (
            to_csv_bytes(frame)
            if fmt == "csv"
            else to_xlsx_bytes(frame, sheet_name=sheet)
        )
        stem = view.dataset.meta.filename.rsplit(".", 1)[0][:60] or "export"
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
        store = extensions().store
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
