"""Top-level JSON routes: ``POST /upload``, ``POST /demo`` and ``GET /health``."""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify, request
from flask_limiter import Limiter

from analytics.demo import DEMO_FILENAME, demo_csv
from analytics.errors import IngestError
from services.datasets import create_session
from services.memory import release_memory
from services.probes import ollama_status, prophet_status
from services.store import StoreUnavailable, directory_problem
from web.errors import json_error
from web.health_fastpath import FRESH_UNTIL
from web.ownership import browser_digest, new_owner_token
from web.security import too_large_message

logger = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = (".csv", ".tsv", ".txt", ".dat", ".xlsx", ".xls")
#: How old the store figures and probe results in a /health answer may be.
HEALTH_CHECK_SECONDS = 0.25


def create_routes_blueprint(limiter: Limiter, settings) -> Blueprint:
    """Build the blueprint holding /upload and /health for one app instance."""
    bp = Blueprint("core", __name__)

    @bp.post("/upload")
    @limiter.limit(settings.rate_limit_string, scope="upload")
    def upload():
        store = current_app.extensions["smbrc.store"]
        sheet_url = (request.form.get("sheet_url") or "").strip()
        sheet = (request.form.get("sheet") or "").strip() or None
        if sheet_url:
            from services.sheets import fetch_sheet

            try:
                data, filename = fetch_sheet(
                    sheet_url,
                    service_account_file=settings.GOOGLE_SERVICE_ACCOUNT_FILE or None,
                )
            except IngestError as error:
                return json_error(str(error), getattr(error, "status", 400))
            filename = _clean_filename(filename)
            source = "google_sheets"
        else:
            upload_file = request.files.get("file")
            if upload_file is None or not upload_file.filename:
                return json_error(
                    "No file was sent. Attach a CSV, XLSX or XLS file as the form field "
                    "'file' (or a Google Sheets link as 'sheet_url').",
                    400,
                )
            data = upload_file.stream.read(settings.MAX_CONTENT_LENGTH + 1)
            if len(data) > settings.MAX_CONTENT_LENGTH:
                return json_error(too_large_message(settings.MAX_CONTENT_LENGTH), 413)
            filename = _clean_filename(upload_file.filename)
            source = "upload"
        started = time.perf_counter()
        owner_token, token_digest = new_owner_token()
        owner = {"browser": browser_digest(create=True), "token": token_digest}
        try:
            meta = create_session(
                store,
                data,
                filename,
                sheet=sheet,
                source=source,
                owner=owner,
                limits=settings.upload_limits,
            )
        except IngestError as error:
            logger.info(
                "upload rejected status=%s reason=%s",
                error.status,
                type(error).__name__,
            )
            refused, status = json_error(str(error), error.status)
            refused.call_on_close(release_memory)
            return refused, status
        finally:
            del data  # the raw bytes are never kept
        logger.info("upload ingested in %.0fms", (time.perf_counter() - started) * 1000)
        response = jsonify({**_created(meta), "owner_token": owner_token})
        response.status_code = 201
        # once the answer is sent: give the upload's freed memory back to the system
        response.call_on_close(release_memory)
        return response

    @bp.post("/demo")
    @limiter.limit(settings.rate_limit_string, scope="upload")
    def demo():
        """A new session holding the demo shop (made-up data), as if it were uploaded:
        owned by this browser (and the returned owner token) like an upload."""
        store = current_app.extensions["smbrc.store"]
        owner_token, token_digest = new_owner_token()
        owner = {"browser": browser_digest(create=True), "token": token_digest}
        meta = create_session(
            store, demo_csv(), DEMO_FILENAME, source="demo", owner=owner
        )
        logger.info("demo session created rows=%s", meta["rows"])
        return {**_created(meta), "owner_token": owner_token}, 201

    #: (monotonic time it was taken, the store's figures and probe results)
    last_check: list[tuple[float, dict]] = []
    check_lock = threading.Lock()

    def store_check() -> dict:
        """Status of the store, the job runner and the optional services, at most
        HEALTH_CHECK_SECONDS old in this process (a monitor polling /health often never
        makes the store count its sessions more than a few times a second).

        ``healthy`` when everything works; ``degraded`` with ``reasons`` (one sentence
        each) when the store, the job cache or the disk is not usable. Every check is
        bounded (Redis ``STORE_TIMEOUT``, Ollama probed in the background), and nothing
        here grows with the number of sessions.
        """
        with check_lock:
            if (
                last_check
                and time.monotonic() - last_check[0][0] < HEALTH_CHECK_SECONDS
            ):
                request.environ[FRESH_UNTIL] = last_check[0][0] + HEALTH_CHECK_SECONDS
                return last_check[0][1]
        store = current_app.extensions["smbrc.store"]
        reasons: list[str] = []
        problem = store.problem()
        store_ok = problem is None
        if problem:
            reasons.append(problem)
        stats: dict = {"active_sessions": None, "cleanup_count": None}
        if store_ok:
            try:
                stats = store.stats()
            except StoreUnavailable as error:
                store_ok = False
                reasons.append(str(error))
        jobs_dir = current_app.extensions.get("smbrc.jobs_dir")
        jobs_problem = directory_problem(jobs_dir) if jobs_dir else None
        if jobs_problem and jobs_problem not in reasons:
            reasons.append(jobs_problem)
        prophet: dict = {"available": None}
        ollama: dict = {"reachable": None}
        if store_ok:
            try:
                prophet = prophet_status(store)
                ollama = ollama_status(
                    store, settings.OLLAMA_HOST, settings.OLLAMA_MODEL, wait=1.0
                )
            except StoreUnavailable as error:
                store_ok = False
                reasons.append(str(error))
        check = {
            "status": "degraded" if reasons else "healthy",
            "reasons": reasons,
            "active_sessions": stats["active_sessions"],
            "cleanup_count": stats["cleanup_count"],
            "store": {"backend": store.backend, "ok": store_ok},
            "jobs": {"ok": jobs_problem is None},
            "prophet": prophet,
            "ollama": ollama,
        }
        taken = time.monotonic()
        with check_lock:
            last_check[:] = [(taken, check)]
        request.environ[FRESH_UNTIL] = taken + HEALTH_CHECK_SECONDS
        return check

    @bp.get("/health")
    @limiter.exempt
    def health():
        return {
            **store_check(),
            "timestamp": datetime.now(UTC)
            .replace(tzinfo=None)
            .isoformat(timespec="seconds"),
        }

    return bp


def _created(meta: dict) -> dict:
    """The answer to a request that created a session."""
    sid = meta["session_id"]
    return {
        "session_id": sid,
        "dashboard_url": current_app.extensions["smbrc.dash"].get_relative_path(
            f"/dashboard/{sid}"
        ),
        "rows": meta["rows"],
        "mapping": meta["mapping"],
        "warnings": meta["warnings"],
    }


def _clean_filename(name: str) -> str:
    """The file's base name, without any path, limited in length.

    Normalised (NFC) and without control or format characters: a NUL, or a right-to-left
    override (U+202E shows ``invoice<RLO>xcs.exe`` as "invoiceexe.scx"), would otherwise
    be stored and shown as sent.
    """
    text = unicodedata.normalize("NFC", name)
    text = "".join(
        "" if unicodedata.category(ch) == "Cf" else ch
        for ch in text
        if unicodedata.category(ch) not in ("Cc", "Zl", "Zp") or ch in "\t\n\r"
    )
    base = " ".join(text.replace("\\", "/").rsplit("/", 1)[-1].split())
    return base.strip(" .")[:200] or "upload"
