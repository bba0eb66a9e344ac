"""Drive the dashboard's callbacks over HTTP the way dash-renderer does, without a browser.

A :class:`DashPage` loads the page (CSRF cookie and token, the signed ``end_id`` of the
page load) and calls callbacks through ``POST /_dash-update-component``. Background
callbacks answer with a signed ``cacheKey`` and ``job``; the page then polls with them
(inputs blanked, as the renderer does) until the result, an error, or a 204 (no update).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.conftest import CSRF_META
from tests.integration.servers import UPLOADER_COOKIES

CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>')


@dataclass
class Outcome:
    """How one callback call ended, as the page would see it."""

    status: str  # "ok", "error" (non-2xx), "no_update" (204), "hung" (timeout)
    seconds: float
    polls: int = 0
    response: dict[str, Any] | None = None
    http_status: int | None = None
    statuses: list[int] = field(default_factory=list)

    def prop(self, component: str, prop: str) -> Any:
        return (
            ((self.response or {}).get("response") or {}).get(component, {}).get(prop)
        )


def _spec(items: list[tuple[str, str, Any]]) -> list[dict[str, Any]]:
    return [{"id": c, "property": p, "value": v} for c, p, v in items]


class DashPage:
    """One browser page load: a requests session with the page's CSRF token and end_id."""

    def __init__(
        self,
        base_url: str,
        path: str = "/",
        timeout: float = 30.0,
        http: requests.Session | None = None,
    ) -> None:
        """``http``: the session to use (the uploader's, to act as the owner); without
        it, a new one carrying the uploader's cookies of the dashboard's session when
        ``upload_frame`` uploaded it."""
        self.base_url = base_url.rstrip("/")
        self.http = http or requests.Session()
        owned = re.search(r"/dashboard/([^/?#]+)", path)
        if http is None and owned and owned.group(1) in UPLOADER_COOKIES:
            self.http.cookies.update(UPLOADER_COOKIES[owned.group(1)])
        self.timeout = timeout
        page = self.http.get(self.base_url + path, timeout=timeout)
        page.raise_for_status()
        self.token = CSRF_META.search(page.text).group(1)
        config = json.loads(CONFIG.search(page.text).group(1))
        self.end_id = config.get("end_id")
        self.statuses: list[int] = [page.status_code]

    def _post(self, body: dict[str, Any], params: dict[str, str]) -> requests.Response:
        response = self.http.post(
            self.base_url + "/_dash-update-component",
            params=params,
            data=json.dumps(body),
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token},
            timeout=self.timeout,
        )
        self.statuses.append(response.status_code)
        return response

    def call(
        self,
        outputs: list[tuple[str, str]],
        inputs: list[tuple[str, str, Any]],
        state: list[tuple[str, str, Any]] = (),
        changed: list[str] | None = None,
        *,
        deadline: float = 300.0,
        poll: float = 0.5,
        on_job=None,
    ) -> Outcome:
        """Call a callback; for background ones, poll until it ends or ``deadline`` s."""
        output = "...".join(f"{c}.{p}" for c, p in outputs)
        body = {
            "output": f"..{output}.." if len(outputs) > 1 else output,
            "outputs": [{"id": c, "property": p} for c, p in outputs]
            if len(outputs) > 1
            else {"id": outputs[0][0], "property": outputs[0][1]},
            "inputs": _spec(list(inputs)),
            "changedPropIds": changed
            if changed is not None
            else [f"{c}.{p}" for c, p, _ in inputs],
            "state": _spec(list(state)),
        }
        params = {"endId": self.end_id} if self.end_id else {}
        started = time.monotonic()
        response = self._post(body, params)
        statuses = [response.status_code]
        if response.status_code == 204:
            return Outcome("no_update", time.monotonic() - started, 0, None, 204)
        if response.status_code >= 300:
            return Outcome(
                "error", time.monotonic() - started, 0, None, response.status_code
            )
        data = response.json()
        if "cacheKey" not in data:
            return Outcome("ok", time.monotonic() - started, 0, data, 200)
        if on_job is not None:
            on_job(data)
        polling = {**params, "cacheKey": data["cacheKey"], "job": data["job"]}
        blank = {
            **body,
            "inputs": [{**i, "value": None} for i in body["inputs"]],
            "state": [{**s, "value": None} for s in body["state"]],
        }
        polls = 0
        while time.monotonic() - started < deadline:
            time.sleep(poll)
            polls += 1
            try:
                response = self._post(blank, polling)
            except requests.RequestException:
                statuses.append(0)
                continue  # a worker restarting: the page keeps polling
            statuses.append(response.status_code)
            seconds = time.monotonic() - started
            if response.status_code == 204:
                return Outcome("no_update", seconds, polls, None, 204, statuses)
            if response.status_code >= 300:
                return Outcome(
                    "error", seconds, polls, None, response.status_code, statuses
                )
            payload = response.json()
            if "response" in payload:
                return Outcome("ok", seconds, polls, payload, 200, statuses)
        return Outcome("hung", time.monotonic() - started, polls, None, None, statuses)

    def forecast(
        self, sid: str, *, model: str = "best", freq: str = "auto", horizon: Any = None,
        retry: int = 0, deadline: float = 300.0, on_job=None,
    ) -> Outcome:  # fmt: skip
        return self.call(
            [
                ("forecast-graph", "figure"),
                ("forecast-info", "children"),
                ("forecast-run", "className"),
            ],
            [
                ("session-id", "data", sid),
                ("forecast-metric", "value", "revenue"),
                ("forecast-freq", "value", freq),
                ("forecast-horizon", "value", horizon),
                ("forecast-model", "value", model),
                ("forecast-by", "value", "total"),
                ("forecast-run", "n_clicks", retry),
            ],
            deadline=deadline,
            on_job=on_job,
        )

    def cancel_forecast(self, job: str) -> int:
        """What the Cancel button does: Dash's cancel callback with the job handle."""
        body = {
            "output": "forecast-cancel.id",
            "outputs": {"id": "forecast-cancel", "property": "id"},
            "inputs": _spec([("forecast-cancel", "n_clicks", 1)]),
            "changedPropIds": ["forecast-cancel.n_clicks"],
            "state": [],
        }
        params = {"endId": self.end_id, "cancelJob": job}
        return self._post(body, params).status_code

    def chat(self, sid: str, question: str, *, deadline: float = 300.0) -> Outcome:
        return self.call(
            [("chat-messages", "children"), ("chat-retry", "className")],
            [("chat-pending", "data", {"question": question, "at": time.time()})],
            [
                ("session-id", "data", sid),
                ("filters", "data", None),  # the page's filter dict: no filter
            ],
            deadline=deadline,
            poll=0.5,
        )


def text_of(node: Any) -> str:
    """All text inside a callback's JSON output (component trees as dicts)."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    if isinstance(node, (int, float)):
        return str(node)
    if isinstance(node, list):
        return " ".join(text_of(n) for n in node)
    if isinstance(node, dict):
        props = node.get("props", node)
        parts = [text_of(props.get("children"))]
        if "text" in props and isinstance(props["text"], str):
            parts.append(props["text"])
        return " ".join(p for p in parts if p)
    return ""
