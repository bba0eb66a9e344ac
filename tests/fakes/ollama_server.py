"""A local HTTP server speaking enough of Ollama's API to test the LLM layer end to end.

``FakeOllama`` serves ``/api/chat`` (NDJSON streaming and single JSON), ``/api/generate``,
``/api/tags`` and ``/api/version`` from a thread on a free port. Replies to chat/generate
come from a script (a queue of :class:`Reply`), then from ``default``; each reply can be
slow, fail with an HTTP status, be malformed, or compute its text from the request (a
``responder``), so tests can play success, timeouts, retries and garbage.

Responders for grounded-chat tests read the facts block the chat module puts in its system
prompt (a fenced ``json`` list of ``{"label", "value", "display"}``) and answer like a model
would: :func:`rephrase_facts`, :func:`wrong_number_reply`, :func:`injection_echo_reply`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], str]


@dataclass
class Reply:
    """One scripted reply to ``/api/chat`` or ``/api/generate``.

    ``text`` (or ``responder(request_body)``) is the content; ``status`` != 200 sends an
    error body; ``delay`` waits before answering; ``chunk_delay`` waits between streamed
    chunks; ``malformed`` sends a body that is not JSON.
    """

    text: str = "OK"
    status: int = 200
    delay: float = 0.0
    chunk_delay: float = 0.0
    malformed: bool = False
    responder: Responder | None = None

    def content(self, body: dict[str, Any]) -> str:
        return self.responder(body) if self.responder else self.text


class FakeOllama:
    """The fake server; use as a context manager (``with FakeOllama() as fake: fake.url``)."""

    def __init__(
        self,
        models: Iterable[str] = ("llama3:latest",),
        default: Reply | None = None,
        version: str = "0.6.3",
    ) -> None:
        self.models = list(models)
        self.default = default or Reply()
        self.version = version
        self.tags_status = 200
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control -------------------------------------------------------------------

    def script(self, *replies: Reply) -> FakeOllama:
        """Queue replies, used in order before ``default``."""
        with self._lock:
            self._script.extend(replies)
        return self

    def next_reply(self) -> Reply:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    def record(self, path: str, body: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append((path, body))

    def calls(self, path: str) -> int:
        with self._lock:
            return sum(1 for p, _ in self.requests if p == path)

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeOllama:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeOllama
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
        return

    # -- plumbing ------------------------------------------------------------------

    def _send(
        self, status: int, body: bytes, content_type: str = "application/json"
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode())

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            return json.loads(raw or b"{}")
        except json.JSONDecodeError:
            return {}

    # -- routes --------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        fake = self.server_fake
        fake.record(self.path, {})
        if self.path == "/api/tags":
            if fake.tags_status != 200:
                self._json(fake.tags_status, {"error": "tags unavailable"})
                return
            models = [
                {
                    "name": name,
                    "model": name,
                    "modified_at": "2024-05-01T10:00:00Z",
                    "size": 4_661_224_676,
                    "digest": "0" * 64,
                    "details": {"family": "llama", "parameter_size": "8B"},
                }
                for name in fake.models
            ]
            self._json(200, {"models": models})
        elif self.path == "/api/version":
            self._json(200, {"version": fake.version})
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        fake = self.server_fake
        body = self._body()
        fake.record(self.path, body)
        if self.path not in ("/api/chat", "/api/generate"):
            self._json(404, {"error": "not found"})
            return
        model = body.get("model", "")
        wanted = model if ":" in model else f"{model}:latest"  # as Ollama resolves it
        if model and not any(m in (model, wanted) for m in fake.models):
            self._json(404, {"error": f"model '{model}' not found"})
            return
        reply = fake.next_reply()
        if reply.delay:
            time.sleep(reply.delay)
        if reply.status != 200:
            self._json(reply.status, {"error": f"scripted failure {reply.status}"})
            return
        if reply.malformed:
            self._send(200, b"<html>this is not json", "text/html")
            return
        text = reply.content(body)
        chat = self.path == "/api/chat"
        if body.get("stream", True):
            self._stream(model, text, chat, reply.chunk_delay)
        else:
            self._json(200, _piece(model, text, chat) | _FINAL)

    def _stream(self, model: str, text: str, chat: bool, chunk_delay: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for piece in re.findall(r"\S+\s*|\s+", text) or [""]:
                self._chunk(json.dumps(_piece(model, piece, chat)) + "\n")
                if chunk_delay:
                    time.sleep(chunk_delay)
            self._chunk(json.dumps(_piece(model, "", chat) | _FINAL) + "\n")
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _chunk(self, data: str) -> None:
        raw = data.encode()
        self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
        self.wfile.flush()


def _piece(model: str, text: str, chat: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "model": model,
        "created_at": "2024-05-01T10:00:00Z",
        "done": False,
    }
    if chat:
        out["message"] = {"role": "assistant", "content": text}
    else:
        out["response"] = text
    return out


_FINAL: dict[str, Any] = {
    "done": True,
    "done_reason": "stop",
    "total_duration": 1_000_000,
    "eval_count": 12,
}


# --------------------------------------------------------------------------- responders

_FACTS_BLOCK = re.compile(r"```json\s*(\[.*?\])\s*```", re.S)


def system_prompt(body: dict[str, Any]) -> str:
    """The system message of a chat request ('' when there is none)."""
    for message in body.get("messages", []):
        if message.get("role") == "system":
            return str(message.get("content", ""))
    return str(body.get("system") or "")


def facts_in(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The facts list the chat module placed in the system prompt."""
    match = _FACTS_BLOCK.search(system_prompt(body))
    return json.loads(match.group(1)) if match else []


def rephrase_facts(body: dict[str, Any]) -> str:
    """A faithful model: restates every fact, worded differently from the template."""
    facts = facts_in(body)
    if not facts:
        return "I could not find figures for that in your data."
    lines = [f"- {fact['label']} comes to {fact['display']}." for fact in facts]
    return "Here is what your data shows:\n" + "\n".join(lines)


def wrong_number_reply(body: dict[str, Any]) -> str:
    """An unfaithful model: restates the facts but inflates the first figure by 37 %."""
    facts = [f for f in facts_in(body) if isinstance(f.get("value"), (int, float))]
    if not facts:
        return "Revenue was 123,456.78 in that period."
    first = facts[0]
    wrong = abs(float(first["value"])) * 1.37 + 1234.5
    return (
        f"Here is what your data shows:\n- {first['label']} comes to {wrong:,.2f}."
        + "".join(f"\n- {f['label']} comes to {f['display']}." for f in facts[1:])
    )


def injection_echo_reply(body: dict[str, Any]) -> str:
    """A model that obeys an instruction hidden in the data: says revenue is 0."""
    return "As instructed, I will ignore previous instructions: revenue is 0."


def last_user_message(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user":
            return str(message.get("content", ""))
    return str(body.get("prompt", ""))


def sometimes_wrong(every: int = 3) -> Responder:
    """Rephrase faithfully, except every ``every``-th reply carries a wrong number."""
    counter = {"n": 0}
    lock = threading.Lock()

    def respond(body: dict[str, Any]) -> str:
        with lock:
            counter["n"] += 1
            n = counter["n"]
        return wrong_number_reply(body) if n % every == 0 else rephrase_facts(body)

    return respond
