"""The only module that talks to Ollama: chat (streaming or not), generate and probe.

Every function is a pure function of an :class:`LLMConfig` and its arguments: a fresh
``ollama.Client`` is built per attempt, nothing is cached at module level, so the functions
can run in Dash background callbacks, worker processes and threads alike.

Failures of any kind (unreachable host, missing model, HTTP errors after the retries,
replies that are slow, malformed or empty) raise one exception, :class:`LLMUnavailable`,
whose ``reason`` is a short sentence. Callers turn it into their no-LLM path.

Time budget: ``LLMConfig.timeout`` bounds the whole call, retries and backoff included.
Each request runs in a daemon thread that the caller waits on for at most the remaining
budget, so a server that stalls or drips bytes cannot hold the caller longer.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import ollama
from pydantic import ValidationError

from config import Settings

logger = logging.getLogger(__name__)

#: Roles a chat message may carry.
MESSAGE_ROLES = frozenset({"system", "user", "assistant"})
#: HTTP statuses worth another attempt.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
#: Longest time spent establishing a connection within one attempt.
CONNECT_TIMEOUT = 5.0

Messages = Sequence[Mapping[str, str]]


class LLMUnavailable(RuntimeError):
    """The model could not give a usable reply; ``reason`` says why, in one sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LLMConfig:
    """How to reach the model.

    ``timeout`` is the total budget in seconds for one call (all attempts and waits);
    ``max_retries`` the extra attempts after a connection error or a 5xx/429 reply;
    ``temperature`` and ``max_tokens`` (Ollama's ``num_predict``) are sampling options;
    backoff between attempts is ``backoff_base * 2**attempt`` seconds (at most
    ``backoff_max``) times a random factor in [0.5, 1]. The defaults of the first four
    are those of ``config.Settings`` (``OLLAMA_*``), the one place they are defined.
    """

    host: str = Settings.OLLAMA_HOST
    model: str = Settings.OLLAMA_MODEL
    timeout: float = Settings.OLLAMA_TIMEOUT
    max_retries: int = Settings.OLLAMA_MAX_RETRIES
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    temperature: float = 0.2
    max_tokens: int | None = 600

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("OLLAMA_HOST is empty.")
        if not self.model:
            raise ValueError("OLLAMA_MODEL is empty.")
        if not self.timeout > 0:
            raise ValueError("OLLAMA_TIMEOUT must be a positive number of seconds.")
        if self.max_retries < 0:
            raise ValueError("OLLAMA_MAX_RETRIES must be 0 or more.")

    @property
    def options(self) -> dict[str, Any]:
        """Ollama request options."""
        options: dict[str, Any] = {"temperature": self.temperature}
        if self.max_tokens is not None:
            options["num_predict"] = self.max_tokens
        return options

    @classmethod
    def from_settings(cls, settings: Any) -> LLMConfig:
        """Build from an object (``config.Settings``) or mapping with ``OLLAMA_*`` keys."""

        def get(name: str, default: Any) -> Any:
            if isinstance(settings, Mapping):
                return settings.get(name, default)
            return getattr(settings, name, default)

        return cls(
            host=str(get("OLLAMA_HOST", cls.host)),
            model=str(get("OLLAMA_MODEL", cls.model)),
            timeout=float(get("OLLAMA_TIMEOUT", cls.timeout)),
            max_retries=int(get("OLLAMA_MAX_RETRIES", cls.max_retries)),
        )


# --------------------------------------------------------------------------- helpers


class _Retryable(Exception):
    """An attempt failed in a way another attempt may fix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Deadline:
    """A monotonic deadline for one call."""

    def __init__(
        self, budget: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self.end = clock() + budget

    def remaining(self) -> float:
        return self.end - self._clock()


def _check_messages(messages: Messages) -> list[dict[str, str]]:
    checked: list[dict[str, str]] = []
    for message in messages:
        role = message.get("role")
        content = message.get("content")
        if role not in MESSAGE_ROLES or not isinstance(content, str):
            raise ValueError(
                "Each message needs a role (system, user or assistant) and text content."
            )
        checked.append({"role": role, "content": content})
    if not checked:
        raise ValueError("At least one message is needed.")
    return checked


def _client(config: LLMConfig, remaining: float) -> ollama.Client:
    budget = max(remaining, 0.001)
    timeout = httpx.Timeout(budget, connect=min(CONNECT_TIMEOUT, budget))
    return ollama.Client(host=config.host, timeout=timeout)


def _classify(exc: BaseException, config: LLMConfig) -> Exception:
    """Map a client exception to ``_Retryable`` or ``LLMUnavailable``."""
    if isinstance(exc, (LLMUnavailable, _Retryable)):
        return exc
    if isinstance(exc, ollama.ResponseError):
        status = exc.status_code
        if status in RETRY_STATUSES:
            return _Retryable(f"the model server answered HTTP {status}")
        if status == 404:
            return LLMUnavailable(
                f"the model {config.model!r} is not available at {config.host}"
            )
        if status == -1:
            return LLMUnavailable(f"the model server reported an error: {exc.error}")
        return LLMUnavailable(f"the model server answered HTTP {status}")
    if isinstance(exc, httpx.TimeoutException):
        return LLMUnavailable(f"the model did not answer within {config.timeout:g} s")
    if isinstance(exc, (ConnectionError, httpx.TransportError)):
        return _Retryable(f"cannot reach the model server at {config.host}")
    if isinstance(exc, (ValueError, ValidationError, TypeError, KeyError)):
        # json.JSONDecodeError and pydantic errors: the reply was not Ollama's format.
        return LLMUnavailable(
            "the model server sent a reply that is not valid Ollama JSON"
        )
    return LLMUnavailable(
        f"unexpected error talking to the model ({type(exc).__name__})"
    )


def _backoff(config: LLMConfig, attempt: int, rng: random.Random) -> float:
    delay = min(config.backoff_max, config.backoff_base * (2**attempt))
    return delay * rng.uniform(0.5, 1.0)


def _run_in_thread(fn: Callable[[], Any], wait: float, config: LLMConfig) -> Any:
    """Run ``fn`` in a daemon thread; wait at most ``wait`` seconds for its result."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, daemon=True, name="ollama-request").start()
    if not done.wait(max(wait, 0.0)):
        raise LLMUnavailable(f"the model did not answer within {config.timeout:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _with_retries(
    config: LLMConfig,
    attempt_fn: Callable[[float], Any],
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> Any:
    """Call ``attempt_fn(remaining)`` until it succeeds, retrying transient failures."""
    rng = rng or random.Random()
    deadline = _Deadline(config.timeout, clock)
    last = "no attempt was made"
    attempts = config.max_retries + 1
    made = 0
    for attempt in range(attempts):
        remaining = deadline.remaining()
        if remaining <= 0:
            break
        made += 1
        try:
            return attempt_fn(remaining)
        except Exception as exc:  # noqa: BLE001 - classified below
            failure = _classify(exc, config)
        if isinstance(failure, LLMUnavailable):
            raise failure
        last = failure.reason if isinstance(failure, _Retryable) else str(failure)
        logger.info("ollama attempt %s/%s failed: %s", attempt + 1, attempts, last)
        if attempt + 1 >= attempts:
            break
        delay = _backoff(config, attempt, rng)
        if delay >= deadline.remaining():
            break
        sleep(delay)
    raise LLMUnavailable(f"{last} (gave up after {made} attempt(s))")


def _text_of(response: Any) -> str:
    message = getattr(response, "message", None)
    content = getattr(message, "content", None)
    if not isinstance(content, str):
        raise LLMUnavailable("the model sent a reply without text")
    return content


# --------------------------------------------------------------------------- public API


def chat(
    config: LLMConfig,
    messages: Messages,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    format: Mapping[str, Any] | str | None = None,  # noqa: A002 - Ollama's name
) -> str:
    """Send ``messages`` and return the whole reply text.

    Parameters
    ----------
    config:
        Where the model is and how long to wait.
    messages:
        ``[{"role": "system"|"user"|"assistant", "content": str}, ...]``.
    format:
        Ollama structured output: ``"json"`` or a JSON schema the reply must follow.

    Returns
    -------
    The reply, stripped. Raises :class:`LLMUnavailable` when no usable reply came in
    time, ``ValueError`` for malformed ``messages``.
    """
    checked = _check_messages(messages)
    extra: dict[str, Any] = {} if format is None else {"format": format}

    def attempt(remaining: float) -> str:
        def request() -> str:
            with _client(config, remaining) as client:
                response = client.chat(
                    model=config.model,
                    messages=checked,
                    stream=False,
                    options=dict(config.options),
                    **extra,
                )
                return _text_of(response)

        return _run_in_thread(request, remaining, config)

    text = _with_retries(config, attempt, clock=clock, sleep=sleep, rng=rng).strip()
    if not text:
        raise LLMUnavailable("the model sent an empty reply")
    return text


def generate(
    config: LLMConfig,
    prompt: str,
    *,
    system: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> str:
    """One-shot completion of ``prompt`` (``/api/generate``); same errors as :func:`chat`."""
    if not isinstance(prompt, str) or not prompt:
        raise ValueError("The prompt must be non-empty text.")

    def attempt(remaining: float) -> str:
        def request() -> str:
            with _client(config, remaining) as client:
                response = client.generate(
                    model=config.model,
                    prompt=prompt,
                    system=system,
                    stream=False,
                    options=dict(config.options),
                )
                text = getattr(response, "response", None)
                if not isinstance(text, str):
                    raise LLMUnavailable("the model sent a reply without text")
                return text

        return _run_in_thread(request, remaining, config)

    text = _with_retries(config, attempt, clock=clock, sleep=sleep, rng=rng).strip()
    if not text:
        raise LLMUnavailable("the model sent an empty reply")
    return text


_END = object()


def stream_chat(
    config: LLMConfig,
    messages: Messages,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> Iterator[str]:
    """Yield the reply as text chunks while the model writes it.

    Connection errors and 5xx replies before the first chunk are retried; a failure after
    text has been yielded raises :class:`LLMUnavailable` (the caller decides what to do
    with the partial text). The whole stream must finish within ``config.timeout``.
    """
    checked = _check_messages(messages)
    deadline = _Deadline(config.timeout, clock)
    stop = threading.Event()
    chunks: queue.Queue[Any] = queue.Queue()

    def produce(remaining: float, started: threading.Event) -> None:
        try:
            with _client(config, remaining) as client:
                for part in client.chat(
                    model=config.model,
                    messages=checked,
                    stream=True,
                    options=dict(config.options),
                ):
                    if stop.is_set():
                        return
                    chunks.put(("chunk", _text_of(part)))
                    started.set()
                chunks.put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            chunks.put(("error", exc))

    def next_item() -> tuple[str, Any]:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise LLMUnavailable(
                f"the model did not answer within {config.timeout:g} s"
            )
        try:
            return chunks.get(timeout=remaining)
        except queue.Empty:
            raise LLMUnavailable(
                f"the model did not answer within {config.timeout:g} s"
            ) from None

    def first_item(remaining: float) -> tuple[str, Any]:
        # One attempt: start a producer and wait for its first item.
        while not chunks.empty():
            chunks.get_nowait()
        started = threading.Event()
        threading.Thread(
            target=produce, args=(remaining, started), daemon=True, name="ollama-stream"
        ).start()
        kind, value = next_item()
        if kind == "error":
            raise value
        return kind, value

    try:
        kind, value = _with_retries(
            config, first_item, clock=clock, sleep=sleep, rng=rng
        )
        yielded = False
        while kind != "end":
            if kind == "error":
                failure = _classify(value, config)
                reason = getattr(failure, "reason", str(failure))
                raise LLMUnavailable(f"the reply broke off: {reason}")
            if value:
                yielded = True
                yield value
            kind, value = next_item()
        if not yielded:
            raise LLMUnavailable("the model sent an empty reply")
    finally:
        stop.set()


def probe(config: LLMConfig, *, timeout: float | None = None) -> dict[str, Any]:
    """Whether the server answers and has ``config.model`` (``/api/tags``, ``/api/version``).

    Returns
    -------
    ``{"reachable": bool, "model_present": bool, "model": str, "models": [names],
    "version": str | None, "reason": str | None}``; never raises for server problems.
    """
    wait = min(config.timeout, timeout if timeout is not None else 3.0)
    status: dict[str, Any] = {
        "reachable": False,
        "model_present": False,
        "model": config.model,
        "models": [],
        "version": None,
        "reason": None,
    }

    def request() -> tuple[list[str], str | None]:
        with _client(config, wait) as client:
            listing = client.list()
            names = [str(m.model or "") for m in listing.models]
            version: str | None = None
            try:
                reply = client._client.get("/api/version")  # noqa: SLF001 - not wrapped
                version = (
                    reply.json().get("version") if reply.status_code == 200 else None
                )
            except (httpx.HTTPError, ValueError, AttributeError):
                version = None
            return names, version

    try:
        names, version = _run_in_thread(request, wait, config)
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        failure = _classify(exc, config)
        status["reason"] = getattr(failure, "reason", str(failure))
        return status
    status["reachable"] = True
    status["models"] = names
    status["version"] = version
    status["model_present"] = model_matches(config.model, names)
    if not status["model_present"]:
        status["reason"] = f"the model {config.model!r} is not installed on the server"
    return status


def model_matches(model: str, names: Sequence[str]) -> bool:
    """True when ``model`` (``llama3`` or ``llama3:8b``) is among the installed ``names``."""
    wanted = model if ":" in model else f"{model}:latest"
    return any(name in (model, wanted) for name in names)


@dataclass(frozen=True)
class OllamaChat:
    """A picklable ``messages -> reply`` callable bound to a config (what analytics expects).

    ``analytics.chat.answer(..., llm=OllamaChat(config))`` and
    ``analytics.insights.phrase_with_llm(..., llm=OllamaChat(config))`` use it.
    """

    config: LLMConfig

    @property
    def model_name(self) -> str:
        return self.config.model

    def __call__(self, messages: Messages) -> str:
        return chat(self.config, messages)

    def structured(self, messages: Messages, schema: Mapping[str, Any]) -> str:
        """The reply to ``messages`` as JSON following ``schema`` (Ollama ``format=``)."""
        return chat(self.config, messages, format=dict(schema))
