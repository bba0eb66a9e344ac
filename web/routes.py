"""Top-level JSON routes: ``POST /upload`` (one or several files), ``POST /upload/<id>``
(add files to a dashboard or replace its data), ``POST /demo`` and ``GET /health``."""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from datetime import UTC, datetime

from flask import Blueprint, jsonify, request
from flask_limiter import Limiter

from analytics.demo import DEMO_FILENAME, demo_csv
from analytics.errors import IngestError
from services.datasets import (
    Upload,
    add_files,
    create_combined_session,
    create_session,
)
from services.memory import release_memory
from services.probes import ollama_status, prophet_status
from services.session_meta import SessionMeta
from services.store import StoreUnavailable, directory_problem
from web.errors import error_response, json_error, status_for
from web.extensions import extensions
from web.health_fastpath import FRESH_UNTIL
from web.ownership import (
    NOT_OWNER_API_MESSAGE,
    OWNER_COOKIE,
    is_owner,
    new_owner,
)
from web.security import too_large_message, total_too_large_message

logger = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = (".csv", ".tsv", ".txt", ".dat", ".xlsx", ".xls")
#: A browser that is not the dashboard's owner tries to add files or replace its data.
NOT_OWNER_FILES_MESSAGE = (
    "Only the browser that uploaded these files can add files to this dashboard or "
    "replace its data (you can still view it). To combine these figures with your own "
    "files, upload all of them in your own browser."
)
#: How old the store figures and probe results in a /health answer may be.
HEALTH_CHECK_SECONDS = 0.25


def create_routes_blueprint(limiter: Limiter, settings) -> Blueprint:
    """Build the blueprint holding /upload and /health for one app instance."""
    bp = Blueprint("core", __name__)

    @bp.post("/upload")
    @limiter.limit(settings.rate_limit_string, scope="upload")
    def upload():
        store = extensions().store
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
                return error_response(error)
            filename = _clean_filename(filename)
            source = "google_sheets"
        else:
            uploads = _uploads(settings)
            if isinstance(uploads, tuple):
                return uploads
            if len(uploads) > 1:
                return _create_combined(store, uploads, settings)
            data, filename = uploads[0].data, uploads[0].filename
            source = "upload"
        started = time.perf_counter()
        owner_token, owner = new_owner()
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
                status_for(error),
                type(error).__name__,
            )
            refused, status = error_response(error)
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

    @bp.post("/upload/<session_id>")
    @limiter.limit(settings.rate_limit_string, scope="upload")
    def add_to_session(session_id: str):
        """Add files to a dashboard (``mode=add``, the default) or replace its data
        (``mode=replace``): a write, allowed to the session's owner only."""
        store = extensions().store
        meta = store.get_meta(session_id)
        if meta is None:
            return json_error(
                "This dashboard does not exist or has expired. Upload the files again "
                "to start a new one.",
                404,
            )
        if not is_owner(meta):
            return json_error(
                NOT_OWNER_FILES_MESSAGE
                if request.cookies.get(OWNER_COOKIE)
                else NOT_OWNER_API_MESSAGE,
                403,
            )
        mode = (request.form.get("mode") or "add").strip().lower()
        if mode not in ("add", "replace"):
            return json_error(
                f"The mode '{mode[:40]}' is not known: send mode=add to add the files to "
                "the dashboard's data, or mode=replace to replace its data.",
                400,
            )
        uploads = _uploads(settings)
        if isinstance(uploads, tuple):
            return uploads
        started = time.perf_counter()
        try:
            meta = add_files(
                store,
                session_id,
                uploads,
                replace=mode == "replace",
                limits=settings.upload_limits,
                keep_overlaps=_flag("keep_overlaps"),
            )
        except KeyError:
            return json_error(
                "This dashboard has expired. Upload the files again to start a new one.",
                404,
            )
        except IngestError as error:
            logger.info(
                "files refused status=%s reason=%s",
                status_for(error),
                type(error).__name__,
            )
            return error_response(error)
        finally:
            del uploads
        logger.info(
            "files %s in %.0fms",
            "replaced" if mode == "replace" else "added",
            (time.perf_counter() - started) * 1000,
        )
        return _created(meta), 200

    @bp.post("/demo")
    @limiter.limit(settings.rate_limit_string, scope="upload")
    def demo():
        """A new session holding the demo shop (made-up data), as if it were uploaded:
        owned by this browser (and the returned owner token) like an upload."""
        store = extensions().store
        owner_token, owner = new_owner()
        meta = create_session(
            store, demo_csv(), DEMO_FILENAME, source="demo", owner=owner
        )
        logger.info("demo session created rows=%s", meta.rows)
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
        store = extensions().store
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
        jobs_dir = extensions().jobs_dir
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


def _flag(name: str) -> bool | None:
    """A true/false form field (``1``/``0``, ``true``/``false``, ``on``/``off``), or
    None when it is not sent."""
    raw = (request.form.get(name) or "").strip().lower()
    if not raw:
        return None
    return raw in ("1", "true", "yes", "on")


def _uploads(settings) -> list[Upload] | tuple:
    """The request's ``file`` fields as uploads, or a JSON error (a tuple) saying
    what is wrong: no file, too many files, one file or all of them too large."""
    sent = [f for f in request.files.getlist("file") if f is not None and f.filename]
    if not sent:
        return json_error(
            "No file was sent. Attach one or more CSV, XLSX or XLS files as the form "
            "field 'file' (or a Google Sheets link as 'sheet_url').",
            400,
        )
    if len(sent) > settings.MAX_UPLOAD_FILES:
        return json_error(
            f"{len(sent)} files were sent; one upload takes at most "
            f"{settings.MAX_UPLOAD_FILES}. Send them in several steps with "
            "'Add files'.",
            413,
        )
    uploads: list[Upload] = []
    total = 0
    for upload_file in sent:
        data = upload_file.stream.read(settings.MAX_CONTENT_LENGTH + 1)
        name = _clean_filename(upload_file.filename)
        if len(data) > settings.MAX_CONTENT_LENGTH:
            message = too_large_message(settings.MAX_CONTENT_LENGTH)
            if len(sent) > 1:
                message = f"“{name}”: {message}"
            return json_error(message, 413)
        total += len(data)
        if total > settings.MAX_UPLOAD_TOTAL_BYTES:
            return json_error(total_too_large_message(settings), 413)
        uploads.append(Upload(data, name))
    return uploads


def _create_combined(store, uploads: list[Upload], settings):
    """``POST /upload`` with several files: one session holding all of them."""
    started = time.perf_counter()
    owner_token, owner = new_owner()
    try:
        meta = create_combined_session(
            store,
            uploads,
            owner=owner,
            limits=settings.upload_limits,
            keep_overlaps=bool(_flag("keep_overlaps")),
        )
    except IngestError as error:
        logger.info(
            "upload rejected status=%s reason=%s files=%s",
            status_for(error),
            type(error).__name__,
            len(uploads),
        )
        return error_response(error)
    logger.info(
        "upload of %s files ingested in %.0fms",
        len(uploads),
        (time.perf_counter() - started) * 1000,
    )
    return {**_created(meta), "owner_token": owner_token}, 201


def _created(meta: SessionMeta) -> dict:
    """The answer to a request that created a session."""
    sid = meta.session_id
    return {
        "session_id": sid,
        "dashboard_url": extensions().dash.get_relative_path(f"/dashboard/{sid}"),
        "rows": meta.rows,
        "mapping": meta.mapping,
        "warnings": meta.warnings,
        "files": [
            {k: f[k] for k in FILE_FIELDS if k in f}
            for f in meta.report.get("files") or []
        ],
    }


#: What the upload answer says about each file of a combined session.
FILE_FIELDS = (
    "name",
    "rows_read",
    "rows_used",
    "set_aside",
    "overlap",
    "date_start",
    "date_end",
)


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
