"""The reader's locale and theme: chosen per request from the page's settings (cookies),
``?locale=``, the browser's ``Accept-Language`` and ``DEFAULT_LOCALE``.

Every request sets the current locale of ``analytics.formatting`` before its view runs
and restores it after, so cards, charts, tables, exports and the report are written in
the same locale, and nothing carries over from one request (or user) to the next.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, g, request

from analytics.formatting import reset_locale, resolve_locale, set_current_locale
from config import Settings

#: Cookie set by the page's "Number format" setting (``auto`` or a locale tag).
LOCALE_COOKIE = "smbrc_locale"
#: Cookie set by the page's theme switch: ``auto`` (follow the system), ``light``, ``dark``.
THEME_COOKIE = "smbrc_theme"
THEMES = ("auto", "light", "dark")


def locale_from(
    cookies: Mapping[str, str],
    headers: Mapping[str, str],
    default: str | None,
    query: str | None = None,
) -> str:
    """The locale tag for a request: ``?locale=`` first (exports and report links), then
    the page's setting, then ``Accept-Language``, then ``default``."""
    choice = query if query and query != "auto" else cookies.get(LOCALE_COOKIE)
    accept = headers.get("Accept-Language") or headers.get("accept-language")
    return resolve_locale(choice, accept, default)


def theme_from(cookies: Mapping[str, str]) -> str:
    """The remembered theme choice; ``auto`` unless the reader picked one."""
    chosen = cookies.get(THEME_COOKIE, "auto")
    return chosen if chosen in THEMES else "auto"


def locale_choice(cookies: Mapping[str, str]) -> str:
    """What the "Number format" setting shows: ``auto`` or the chosen locale tag."""
    chosen = resolve_locale(cookies.get(LOCALE_COOKIE), None, None)
    return chosen if cookies.get(LOCALE_COOKIE) not in (None, "", "auto") else "auto"


def init_locale(server: Flask, settings: Settings) -> None:
    """Set the current locale for each request and restore it when the request ends."""

    @server.before_request
    def choose_locale() -> None:
        tag = locale_from(
            request.cookies,
            request.headers,
            settings.DEFAULT_LOCALE,
            request.args.get("locale"),
        )
        g.smbrc_locale = tag
        g.smbrc_locale_token = set_current_locale(tag)

    @server.teardown_request
    def restore_locale(_error: BaseException | None) -> None:
        token = g.pop("smbrc_locale_token", None)
        if token is not None:
            try:
                reset_locale(token)
            except ValueError:  # set in another context: nothing of ours to restore
                pass
