"""Shared drivers of the reliability suite: jobs in a row and simulated users."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import requests

from tests.conftest import CSRF_META, transactions_frame
from tests.reliability.dash_client import DashPage, Outcome, text_of

MODELS = ("seasonal_naive", "trend", "naive", "trend_seasonal_naive", "best")
QUESTIONS = (
    "What is my total revenue?",
    "Top 5 products by profit",
    "What was revenue in 2023?",
    "Which category has the highest margin?",
)


def money(value: float) -> str:
    return f"{value:,.2f}"


def forecast_verdict(outcome: Outcome) -> str:
    """done / failed (with a reason on the card) / lost (no update) / hung / error."""
    if outcome.status != "ok":
        return {"no_update": "lost"}.get(outcome.status, outcome.status)
    info = text_of(outcome.prop("forecast-info", "children"))
    if "Backtest" in info and "MASE" in info:
        return "done"
    return "failed"


def chat_verdict(outcome: Outcome, expected_total: str | None = None) -> str:
    if outcome.status != "ok":
        return {"no_update": "lost"}.get(outcome.status, outcome.status)
    text = text_of(outcome.prop("chat-messages", "children"))
    if "could not be written" in text or "was lost" in text or "took too long" in text:
        return "failed"
    if expected_total is not None and expected_total not in text:
        return "wrong"
    return "done"


@dataclass
class JobRun:
    """Outcomes of jobs run one after another on one page."""

    verdicts: Counter = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)


def forecasts_in_a_row(url: str, sid: str, count: int) -> JobRun:
    run = JobRun()
    page = DashPage(url, f"/dashboard/{sid}")
    for i in range(count):
        # distinct parameters, so every call is a new job (no cached forecast)
        outcome = page.forecast(
            sid, model=MODELS[i % len(MODELS)], horizon=1 + i, deadline=240
        )
        run.verdicts[forecast_verdict(outcome)] += 1
        run.seconds.append(outcome.seconds)
    return run


def chats_in_a_row(url: str, sid: str, count: int, total: float) -> JobRun:
    run = JobRun()
    page = DashPage(url, f"/dashboard/{sid}")
    for i in range(count):
        question = QUESTIONS[i % len(QUESTIONS)]
        outcome = page.chat(sid, question, deadline=240)
        expected = money(total) if question == QUESTIONS[0] else None
        run.verdicts[chat_verdict(outcome, expected)] += 1
        run.seconds.append(outcome.seconds)
    return run


@dataclass
class UserRun:
    """What concurrent simulated users saw."""

    statuses: Counter = field(default_factory=Counter)
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cross_reads: int = 0
    failures: list[str] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.seconds[route].append(seconds)
            self.requests += 1


def simulated_user(url: str, index: int, totals: dict[int, str], run: UserRun) -> None:
    """Upload → dashboard callbacks → forecast → chat → API, checking every figure is ours."""
    frame = transactions_frame(rows=300 + 7 * index, days=500, seed=100 + index)
    total = money(round(float(frame["Revenue"].sum()), 2))
    totals[index] = total
    http = requests.Session()
    started = time.monotonic()
    page = http.get(url + "/", timeout=60)
    run.record("GET /", page.status_code, time.monotonic() - started)
    token = CSRF_META.search(page.text).group(1)
    started = time.monotonic()
    created = http.post(
        url + "/upload",
        files={"file": ("sales.csv", frame.to_csv(index=False).encode(), "text/csv")},
        headers={"X-CSRFToken": token},
        timeout=120,
    )
    run.record("POST /upload", created.status_code, time.monotonic() - started)
    if created.status_code != 201:
        run.failures.append(f"user {index}: upload {created.status_code}")
        return
    sid = created.json()["session_id"]
    started = time.monotonic()
    dash = DashPage(url, f"/dashboard/{sid}")
    run.record("GET /dashboard", dash.statuses[0], time.monotonic() - started)
    forecast = dash.forecast(sid, model=MODELS[index % len(MODELS)], deadline=240)
    run.record("forecast job", forecast.http_status or 0, forecast.seconds)
    if forecast_verdict(forecast) != "done":
        run.failures.append(f"user {index}: forecast {forecast_verdict(forecast)}")
    chat = dash.chat(sid, QUESTIONS[0], deadline=240)
    run.record("chat job", chat.http_status or 0, chat.seconds)
    text = text_of(chat.prop("chat-messages", "children"))
    if total not in text:
        run.failures.append(f"user {index}: chat answer without its own total")
    for other, other_total in list(totals.items()):
        if other != index and other_total != total and other_total in text:
            with run.lock:
                run.cross_reads += 1
    for status in dash.statuses[1:]:
        with run.lock:
            run.statuses[status] += 1
            run.requests += 1
    started = time.monotonic()
    data = http.get(f"{url}/api/data/{sid}", timeout=60)
    run.record("GET /api/data", data.status_code, time.monotonic() - started)
    if data.status_code == 200 and money(data.json()["kpis"]["total_revenue"]) != total:
        with run.lock:
            run.cross_reads += 1
