"""Who may change a session: the browser that uploaded it, or an API client holding its
owner token.

Reading a dashboard by its id stays open (the id is the share link); every write
(mapping, sheet switch, chat, deletion) needs one of:

- the **owner cookie** (``smbrc_owner``): a random browser id, signed with ``SECRET_KEY``,
  HttpOnly, ``SameSite=Lax``, set on the first page or upload. The session's metadata
  keeps only a digest of it (``SessionMeta.owner["browser"]``), so nothing readable through
  the API can be replayed as the cookie;
- the **owner token** returned by ``POST /upload`` (``owner_token``), sent back as the
  ``X-Owner-Token`` header by API clients (digest in ``SessionMeta.owner["token"]``).

Remembered column mappings are kept per browser digest (see ``services.datasets``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping

from flask import Flask, Response, current_app, g, has_request_context, request
from itsdangerous import BadSignature, URLSafeSerializer

from services.session_meta import SessionMeta

OWNER_COOKIE = "smbrc_owner"
OWNER_HEADER = "X-Owner-Token"
#: How long a browser keeps its owner cookie (its remembered mappings live as long).
OWNER_COOKIE_MAX_AGE = 365 * 24 * 3600
_SALT = "smbrc.owner-cookie"
NOT_OWNER_MESSAGE = (
    "Only the browser that uploaded this file can change this dashboard (you can still "
    "view it). To work with these figures yourself, upload the file in your own browser."
)
NOT_OWNER_API_MESSAGE = (
    "Only the uploader of this session can change it. Send the owner_token returned by "
    f"POST /upload as the {OWNER_HEADER} header, or use the browser that uploaded the file."
)


def digest(secret: str) -> str:
    """The stored form of a browser id or owner token (never the secret itself)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def browser_id(*, create: bool = False) -> str | None:
    """This request's browser id from its signed owner cookie.

    With ``create`` a browser without a (valid) cookie gets a new id, which
    :func:`init_ownership`'s response hook sets as the cookie.
    """
    if not has_request_context():
        return None
    if getattr(g, "browser_id", None):
        return g.browser_id
    raw = request.cookies.get(OWNER_COOKIE)
    if raw:
        try:
            value = _serializer().loads(raw)
        except BadSignature:
            value = None
        if isinstance(value, str) and value:
            g.browser_id = value
            return value
    if not create:
        return None
    g.browser_id = secrets.token_urlsafe(24)
    g.new_browser_id = True
    return g.browser_id


def browser_digest(*, create: bool = False) -> str | None:
    """Digest of this request's browser id (what sessions and remembered mappings keep)."""
    value = browser_id(create=create)
    return digest(value) if value else None


def new_owner_token() -> tuple[str, str]:
    """A fresh owner token for API clients and its stored digest."""
    token = secrets.token_urlsafe(24)
    return token, digest(token)


def new_owner() -> tuple[str, dict[str, str | None]]:
    """A fresh owner token (for API clients) and the owner a new session keeps: this
    browser's digest (setting its id cookie if it has none) and the token's digest."""
    token, token_digest = new_owner_token()
    return token, {"browser": browser_digest(create=True), "token": token_digest}


def owner_matches(
    meta: SessionMeta | None,
    cookies: Mapping[str, str],
    headers: Mapping[str, str],
    secret_key: str | bytes,
) -> bool:
    """True when a request carrying ``cookies`` and ``headers`` owns the session.

    The pure form of :func:`is_owner`, for background jobs that get the request's
    cookies from Dash's callback context instead of a Flask request.
    """
    if meta is None:
        return False
    owner = meta.owner
    token = _header(headers, OWNER_HEADER)
    if (
        token
        and owner.get("token")
        and hmac.compare_digest(digest(token), owner["token"])
    ):
        return True
    raw = cookies.get(OWNER_COOKIE)
    if not raw or not owner.get("browser"):
        return False
    try:
        value = URLSafeSerializer(secret_key, salt=_SALT).loads(raw)
    except BadSignature:
        return False
    return isinstance(value, str) and hmac.compare_digest(
        digest(value), owner["browser"]
    )


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value)
    return ""


def is_owner(meta: SessionMeta | None) -> bool:
    """True when the current request may change the session described by ``meta``."""
    if meta is None or not has_request_context():
        return False
    return owner_matches(
        meta, request.cookies, request.headers, current_app.secret_key or ""
    )


def init_ownership(server: Flask, *, secure: bool) -> None:
    """Give every browser that loads a page or uploads a signed owner cookie."""

    @server.after_request
    def set_owner_cookie(response: Response) -> Response:
        page = response.mimetype == "text/html" and request.method == "GET"
        if page:
            browser_id(create=True)
        if getattr(g, "new_browser_id", False):
            response.set_cookie(
                OWNER_COOKIE,
                _serializer().dumps(g.browser_id),
                max_age=OWNER_COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=secure,
            )
        return response
