"""Read-only share links: ``/view/<token>`` shows a session's figures without its id.

A token is 32 random bytes (URL-safe base64); only its SHA-256 is stored, so the store never
holds a usable link. Each link records the filters it was made with, its own expiry (never
after the session's) and whether the viewer may download the cleaned rows. Revoking keeps the
record (marked revoked) until it would have expired, so a revoked link says so instead of
looking unknown.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from analytics.errors import UserFacingError
from services.store import SessionStore
from services.views import Filters

logger = logging.getLogger(__name__)

#: Random bytes in a token (43 URL-safe characters).
TOKEN_BYTES = 32
TOKEN_LENGTH = 43
#: How long a revoked or expired link still says so (seconds after its expiry).
TOMBSTONE_SECONDS = 7 * 24 * 3600
#: Links a session may hold (live or revoked).
MAX_LINKS = 50
#: Expiries a link may be given, in hours (capped by the session's own expiry).
MAX_HOURS = 24 * 30


class ShareError(UserFacingError, ValueError):
    """A share link cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class Share:
    id: str
    sid: str
    filters: Filters
    created_at: float
    expires_at: float
    allow_exports: bool
    revoked: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "filters": self.filters.as_dict(),
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "allow_exports": self.allow_exports,
            "revoked": self.revoked,
        }


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _key(token_digest: str) -> str:
    return f"share:{token_digest}"


def _record(share: Share) -> dict[str, Any]:
    return {**share.as_dict(), "sid": share.sid}


def _share(record: dict[str, Any]) -> Share:
    f = record["filters"]
    return Share(
        id=record["id"],
        sid=record["sid"],
        filters=Filters.from_inputs(
            f["start"], f["end"], f["categories"], f["sku_query"], f.get("dimensions")
        ),
        created_at=record["created_at"],
        expires_at=record["expires_at"],
        allow_exports=bool(record["allow_exports"]),
        revoked=bool(record.get("revoked")),
    )


def create_share(
    store: SessionStore,
    sid: str,
    filters: Filters,
    *,
    hours: float | None = None,
    allow_exports: bool = False,
) -> tuple[str, Share]:
    """A new link for session ``sid``; returns ``(token, share)``. The token is shown once.

    Raises ``KeyError`` for an unknown session, ``ShareError`` for an unusable expiry or
    too many links.
    """
    meta = store.get_meta(sid)
    if meta is None:
        raise KeyError(sid)
    now = time.time()
    session_end = float(meta.expires_at)
    if hours is not None and not 0 < hours <= MAX_HOURS:
        raise ShareError(
            f"A link can last between a few minutes and {MAX_HOURS // 24} days; "
            f"got {hours:g} hours."
        )
    expires_at = session_end if hours is None else min(now + hours * 3600, session_end)
    links = store.get_value(sid, "shares", []) or []
    if len(links) >= MAX_LINKS:
        raise ShareError(
            f"This dashboard already has {MAX_LINKS} share links; revoke some first."
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    token_digest = digest(token)
    share = Share(
        id=token_digest[:12],
        sid=sid,
        filters=filters,
        created_at=now,
        expires_at=expires_at,
        allow_exports=allow_exports,
    )
    store.set_global(
        _key(token_digest), _record(share), ttl=expires_at - now + TOMBSTONE_SECONDS
    )
    store.set_value(sid, "shares", [*links, {"id": share.id, "digest": token_digest}])
    logger.info(
        "share link created id=%s session=%s… expires_in=%.0fs exports=%s",
        share.id,
        sid[:6],
        expires_at - now,
        allow_exports,
    )
    return token, share


def list_shares(store: SessionStore, sid: str) -> list[Share]:
    out = []
    for link in store.get_value(sid, "shares", []) or []:
        record = store.get_global(_key(link["digest"]))
        if isinstance(record, dict):
            out.append(_share(record))
    return out


def revoke_share(store: SessionStore, sid: str, share_id: str) -> Share | None:
    """Revoke the session's link ``share_id``; None when it has no such link."""
    for link in store.get_value(sid, "shares", []) or []:
        if link["id"] != share_id:
            continue
        record = store.get_global(_key(link["digest"]))
        if not isinstance(record, dict):
            return None
        record["revoked"] = True
        ttl = max(1.0, float(record["expires_at"]) - time.time() + TOMBSTONE_SECONDS)
        store.set_global(_key(link["digest"]), record, ttl=ttl)
        logger.info("share link revoked id=%s session=%s…", share_id, sid[:6])
        return _share(record)
    return None


def resolve_share(store: SessionStore, token: str) -> tuple[Share | None, str]:
    """``(share, "ok")`` for a live link, else ``(share or None, reason)`` with reason
    ``"unknown"``, ``"revoked"``, ``"expired"`` or ``"session_expired"``."""
    if (
        len(token) != TOKEN_LENGTH
        or not token.replace("-", "").replace("_", "").isalnum()
    ):
        return None, "unknown"
    record = store.get_global(_key(digest(token)))
    if not isinstance(record, dict):
        return None, "unknown"
    share = _share(record)
    if share.revoked:
        return share, "revoked"
    if time.time() >= share.expires_at:
        return share, "expired"
    if store.get_meta(share.sid) is None:
        return share, "session_expired"
    return share, "ok"


def is_share_token(store: SessionStore, value: str) -> bool:
    """True when ``value`` is (or was) a share link's token."""
    return resolve_share(store, value)[1] != "unknown"
