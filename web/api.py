"""JSON API under ``/api/``: session data for API clients and the dashboard's exports."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app
from flask_limiter import Limiter

from analytics.metrics import kpis, timeseries
from services.datasets import Dataset, load_dataset
from web.errors import json_error

logger = logging.getLogger(__name__)


def session_not_found(session_id: str):
    return json_error(
        "This session does not exist or has expired (sessions last "
        f"{current_app.extensions['smbrc.settings'].SESSION_TIMEOUT_HOURS:g} hours). "
        "Upload the file again to start a new one.",
        404,
    )


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def data_payload(dataset: Dataset) -> dict[str, Any]:
    """The ``GET /api/data/<id>`` document (see README, "API")."""
    meta, frame = dataset.meta, dataset.frame
    granularity, series = timeseries(frame)
    points = [
        {
            "period": row.period.strftime("%Y-%m-%d"),
            "revenue": _num(row.revenue),
            "cost": _num(row.cost),
            "profit": _num(row.profit),
        }
        for row in series.itertuples(index=False)
    ]
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
        "kpis": kpis(frame),
        "timeseries": {"freq": granularity, "points": points},
        "warnings": meta["warnings"],
        "quality": meta["report"],
    }


def _num(value: float) -> float | None:
    return None if value != value else round(float(value), 2)


def create_api_blueprint(limiter: Limiter, settings) -> Blueprint:
    """Build the /api blueprint for one app instance, rate-limited per client IP."""
    bp = Blueprint("api", __name__, url_prefix="/api")
    limiter.limit(settings.rate_limit_string, scope="api")(bp)

    @bp.get("/data/<session_id>")
    def data(session_id: str):
        dataset = load_dataset(current_app.extensions["smbrc.store"], session_id)
        if dataset is None:
            return session_not_found(session_id)
        return data_payload(dataset)

    @bp.route("/", defaults={"rest": ""}, methods=["GET", "POST"])
    @bp.route("/<path:rest>", methods=["GET", "POST"])
    def unknown(rest: str):
        return json_error(f"Unknown API path /api/{rest}. See the README's API section.", 404)

    return bp
