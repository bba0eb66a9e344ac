"""Fetch a Google Sheet as CSV bytes: link-shared sheets over HTTPS, private ones via a service account.

Only ``https://docs.google.com/spreadsheets/d/<id>/...`` links are accepted (a ``gid`` in
the query or fragment picks the tab); anything else is refused before any network
access. Link-shared sheets are downloaded from
``https://docs.google.com/spreadsheets/d/<id>/export?format=csv&gid=<gid>``. Google
answers that URL with a redirect to its content host; redirects are followed by hand
and only to ``docs.google.com`` or ``*.googleusercontent.com`` over HTTPS (a redirect to
the sign-in page means the sheet is private). Downloads stop at 16 MB. Private sheets
are read with gspread when a service-account key file is configured.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from analytics.errors import IngestError

logger = logging.getLogger(__name__)

MAX_BYTES = 16 * 1024 * 1024
MAX_REDIRECTS = 5
HOST = "docs.google.com"
_CONTENT_HOST_SUFFIX = ".googleusercontent.com"
_ID_RE = re.compile(r"^/spreadsheets/d/([A-Za-z0-9_-]{20,100})(?:/[^?#]*)?$")
_GID_RE = re.compile(r"(?:^|[&#?])gid=(\d{1,12})(?:$|&)")
_PRIVATE = (
    "This sheet is private. Share it as 'Anyone with the link can view', or set "
    "GOOGLE_SERVICE_ACCOUNT_FILE to a service account that the sheet is shared with."
)
_CHUNK = 64 * 1024


class SheetError(IngestError):
    """A Google Sheets link that cannot be used (message says why and what to do)."""


class SheetForbidden(SheetError):
    """The sheet may not be read with the access the app has."""


class SheetPrivate(SheetForbidden):
    """The sheet is not shared by link (a service account may still read it)."""


class SheetNotFound(SheetError):
    """The sheet or its tab does not exist."""


class SheetTooLarge(SheetError):
    """The sheet's data is larger than ``MAX_BYTES``."""


class SheetNotSpreadsheet(SheetError):
    """The link answered with something other than spreadsheet data."""


class SheetSetupError(SheetError):
    """The app's own Google access is misconfigured (the service account key)."""


class SheetUnavailable(SheetError):
    """Google Sheets failed, or answered with an error or an unexpected redirect."""


class SheetBusy(SheetError):
    """Google Sheets is limiting requests."""


class SheetTimeout(SheetError):
    """Google Sheets did not answer in time."""


def parse_sheet_url(url: str) -> tuple[str, str | None]:
    """``(spreadsheet id, gid or None)`` of a Google Sheets link; raises SheetError otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise SheetError(
            "Paste the link of a Google Sheet (https://docs.google.com/spreadsheets/d/…)."
        )
    url = url.strip()
    if len(url) > 2048 or any(ord(ch) < 33 or ch == "\\" for ch in url):
        raise SheetError(
            "This does not look like a Google Sheets link. Copy the link from the browser's address bar."
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise SheetError(
            "This does not look like a Google Sheets link. Copy the link from the browser's address bar."
        ) from error
    if parts.scheme != "https":
        raise SheetError(
            "Only https:// Google Sheets links are accepted (https://docs.google.com/spreadsheets/d/…)."
        )
    if (
        "@" in parts.netloc
        or parts.username
        or parts.password
        or port not in (None, 443)
    ):
        raise SheetError(
            "Only links to docs.google.com are accepted (https://docs.google.com/spreadsheets/d/…)."
        )
    if (parts.hostname or "").lower() != HOST:
        raise SheetError(
            "Only Google Sheets links on docs.google.com are accepted (https://docs.google.com/spreadsheets/d/…)."
        )
    match = _ID_RE.match(parts.path)
    if not match:
        raise SheetError(
            "This Google link is not a spreadsheet link. Open the sheet and copy the link that "
            "looks like https://docs.google.com/spreadsheets/d/<id>/edit."
        )
    gid = None
    for source in (parts.query, parts.fragment):
        found = _GID_RE.search("&" + source)
        if found:
            gid = found.group(1)
            break
    return match.group(1), gid


def export_url(sheet_id: str, gid: str | None) -> str:
    """The CSV export address of a sheet tab."""
    url = f"https://{HOST}/spreadsheets/d/{sheet_id}/export?format=csv"
    return f"{url}&gid={gid}" if gid is not None else url


def _allowed_redirect(location: str) -> bool:
    try:
        parts = urlsplit(location)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return (
        parts.scheme == "https"
        and not parts.username
        and not parts.password
        and "@" not in parts.netloc
        and port in (None, 443)
        and (host == HOST or host.endswith(_CONTENT_HOST_SUFFIX))
    )


def _is_sign_in(location: str) -> bool:
    host = (urlsplit(location).hostname or "").lower()
    return (
        host in ("accounts.google.com", "www.google.com") or "ServiceLogin" in location
    )


def fetch_sheet(
    url: str,
    *,
    timeout: float = 15,
    service_account_file: str | None = None,
    session: Any = None,
) -> tuple[bytes, str]:
    """Download a Google Sheet tab as CSV.

    Returns ``(csv bytes, filename)`` where the filename is ``"<title or id>.csv"``.
    Raises a :class:`SheetError` (one subclass per kind of failure) with a user-readable message
    for bad links, private or missing sheets, non-spreadsheet answers, oversize
    downloads and network failures.
    """
    sheet_id, gid = parse_sheet_url(url)
    try:
        return _fetch_public(sheet_id, gid, timeout=timeout, session=session)
    except SheetError as error:
        if service_account_file and isinstance(error, SheetPrivate):
            return _fetch_with_service_account(sheet_id, gid, service_account_file)
        raise


def _private_error() -> SheetError:
    return SheetPrivate(_PRIVATE)


def _fetch_public(
    sheet_id: str, gid: str | None, *, timeout: float, session: Any
) -> tuple[bytes, str]:
    import requests

    own = session is None
    http = requests.Session() if own else session
    target = export_url(sheet_id, gid)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            response = http.get(
                target, timeout=timeout, allow_redirects=False, stream=True
            )
            try:
                if response.status_code in (301, 302, 303, 307, 308):
                    location = urljoin(target, response.headers.get("Location", ""))
                    if _is_sign_in(location):
                        raise _private_error()
                    if not _allowed_redirect(location):
                        raise SheetUnavailable(
                            "Google Sheets redirected to an unexpected address; the sheet could not be loaded.",
                        )
                    target = location
                    continue
                return _read_response(response, sheet_id)
            finally:
                response.close()
        raise SheetUnavailable(
            "Google Sheets redirected too many times; the sheet could not be loaded.",
        )
    except requests.Timeout as error:
        raise SheetTimeout(
            "Google Sheets did not answer in time. Try again in a moment."
        ) from error
    except requests.RequestException as error:
        logger.info("google sheets fetch failed: %s", type(error).__name__)
        raise SheetUnavailable(
            "Could not reach Google Sheets. Check the link and try again in a moment.",
        ) from error
    finally:
        if own:
            http.close()


def _read_response(response: Any, sheet_id: str) -> tuple[bytes, str]:
    status = response.status_code
    if status in (401, 403):
        raise _private_error()
    if status == 404:
        raise SheetNotFound(
            "This Google Sheet was not found. Check the link (the sheet may have been deleted).",
        )
    if status == 429:
        raise SheetBusy(
            "Google Sheets is limiting requests right now. Try again in a minute."
        )
    if status >= 400:
        raise SheetUnavailable(
            f"Google Sheets answered with an error ({status}). Try again later."
        )
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > MAX_BYTES:
        raise _too_large()
    body = bytearray()
    for chunk in response.iter_content(_CHUNK):
        body.extend(chunk)
        if len(body) > MAX_BYTES:
            raise _too_large()
    data = bytes(body)
    content_type = response.headers.get("Content-Type", "").lower()
    head = data[:512].lstrip().lower()
    if "text/html" in content_type or head.startswith((b"<!doctype html", b"<html")):
        raise _private_error()
    if not _looks_like_csv(content_type, data):
        raise SheetNotSpreadsheet(
            "The link did not return spreadsheet data. Check that it points to a Google Sheet "
            "(not a document or a form).",
        )
    return data, _filename(response.headers.get("Content-Disposition", ""), sheet_id)


def _too_large() -> SheetError:
    return SheetTooLarge(
        "This sheet is larger than 16 MB. Export a smaller range, or download it as CSV and upload the file.",
    )


def _looks_like_csv(content_type: str, data: bytes) -> bool:
    if content_type and not any(
        t in content_type
        for t in (
            "text/csv",
            "text/plain",
            "application/csv",
            "application/octet-stream",
        )
    ):
        return False
    if not data:
        return True
    sample = data[:4096]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 4:
            return False
    return True


def _filename(disposition: str, fallback: str) -> str:
    name = None
    star = re.search(r"filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)", disposition)
    if star:
        name = unquote(star.group(1).strip().strip('"'))
    else:
        plain = re.search(
            r'filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)', disposition
        )
        if plain:
            name = (plain.group(1) or plain.group(2) or "").strip()
    return _safe_name(name, fallback)


def _safe_name(name: str | None, fallback: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[\x00-\x1f<>:\"|?*]+", " ", base).strip(" .")
    if base.lower().endswith(".csv"):
        base = base[:-4].rstrip(" .")
    base = base[:120] or fallback
    return f"{base}.csv"


def _fetch_with_service_account(
    sheet_id: str, gid: str | None, key_file: str
) -> tuple[bytes, str]:
    import gspread

    try:
        client = gspread.service_account(filename=key_file)
    except (FileNotFoundError, ValueError, KeyError) as error:
        raise SheetSetupError(
            "The Google service account key file could not be read. Check "
            "GOOGLE_SERVICE_ACCOUNT_FILE.",
        ) from error
    try:
        book = client.open_by_key(sheet_id)
        worksheet = (
            book.get_worksheet_by_id(int(gid)) if gid is not None else book.sheet1
        )
        values = worksheet.get_all_values()
        title = book.title
    except gspread.exceptions.SpreadsheetNotFound as error:
        raise SheetForbidden(
            "The service account cannot open this sheet. Share the sheet with the service "
            "account's e-mail address, or share it as 'Anyone with the link can view'.",
        ) from error
    except gspread.exceptions.WorksheetNotFound as error:
        raise SheetNotFound(
            "The tab in this link was not found in the sheet. Copy the link again from the tab you want.",
        ) from error
    except gspread.exceptions.APIError as error:
        code = getattr(error, "code", None) or getattr(
            getattr(error, "response", None), "status_code", None
        )
        if code in (401, 403):
            raise _private_error() from error
        if code == 404:
            raise SheetNotFound(
                "This Google Sheet was not found. Check the link."
            ) from error
        raise SheetUnavailable(
            "Google Sheets answered with an error. Try again later."
        ) from error
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(values)
    data = buffer.getvalue().encode("utf-8")
    if len(data) > MAX_BYTES:
        raise _too_large()
    return data, _safe_name(title, sheet_id)
