"""services.llm against a local fake Ollama server: replies, retries, time budget, garbage."""

from __future__ import annotations

import pickle
import random
import time
from collections.abc import Iterator

import pytest

from config import Settings
from services.llm import (
    LLMConfig,
    LLMUnavailable,
    OllamaChat,
    chat,
    generate,
    model_matches,
    probe,
    stream_chat,
)
from tests.fakes.ollama_server import FakeOllama, Reply

UNREACHABLE = "http://127.0.0.1:9"
MESSAGES = [{"role": "user", "content": "How was March?"}]
#: Scheduling slack on a busy machine; the slow replies below take 2 s or more.
SLACK = 0.5


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


def config_for(url: str, **overrides: object) -> LLMConfig:
    values: dict[str, object] = {
        "host": url,
        "model": "llama3",
        "timeout": 3.0,
        "max_retries": 2,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
    }
    values.update(overrides)
    return LLMConfig(**values)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- success


def test_chat_returns_the_reply_text(fake: FakeOllama) -> None:
    fake.script(Reply(text="  Revenue rose.  "))
    assert chat(config_for(fake.url), MESSAGES) == "Revenue rose."


def test_chat_sends_model_messages_and_options_without_streaming(
    fake: FakeOllama,
) -> None:
    chat(config_for(fake.url, temperature=0.1, max_tokens=50), MESSAGES)
    path, body = fake.requests[-1]
    assert path == "/api/chat"
    assert body["model"] == "llama3"
    assert body["messages"] == MESSAGES
    assert body["stream"] is False
    assert body["options"] == {"temperature": 0.1, "num_predict": 50}


def test_stream_chat_yields_chunks_that_make_the_reply(fake: FakeOllama) -> None:
    fake.script(Reply(text="Revenue rose by a lot this year"))
    chunks = list(stream_chat(config_for(fake.url), MESSAGES))
    assert len(chunks) > 1
    assert "".join(chunks) == "Revenue rose by a lot this year"
    assert fake.requests[-1][1]["stream"] is True


def test_generate_returns_the_completion(fake: FakeOllama) -> None:
    fake.script(Reply(text="A completion"))
    assert (
        generate(config_for(fake.url), "Say something", system="Be brief")
        == "A completion"
    )
    path, body = fake.requests[-1]
    assert path == "/api/generate"
    assert body["system"] == "Be brief"


# --------------------------------------------------------------------------- retries


def test_server_errors_are_retried_until_success(fake: FakeOllama) -> None:
    fake.script(Reply(status=500), Reply(status=503), Reply(text="after retries"))
    assert chat(config_for(fake.url), MESSAGES) == "after retries"
    assert fake.calls("/api/chat") == 3


def test_server_errors_give_up_after_max_retries(fake: FakeOllama) -> None:
    fake.script(*[Reply(status=500)] * 5)
    with pytest.raises(LLMUnavailable, match=r"HTTP 500.*gave up after 3 attempt"):
        chat(config_for(fake.url, max_retries=2), MESSAGES)
    assert fake.calls("/api/chat") == 3


def test_streaming_retries_server_errors_before_the_first_chunk(
    fake: FakeOllama,
) -> None:
    fake.script(Reply(status=502), Reply(text="streamed after a retry"))
    assert (
        "".join(stream_chat(config_for(fake.url), MESSAGES)) == "streamed after a retry"
    )
    assert fake.calls("/api/chat") == 2


def test_missing_model_fails_at_once_without_retries(fake: FakeOllama) -> None:
    with pytest.raises(LLMUnavailable, match="'mistral' is not available"):
        chat(config_for(fake.url, model="mistral"), MESSAGES)
    assert fake.calls("/api/chat") == 1


def test_unreachable_host_is_retried_then_reported() -> None:
    with pytest.raises(LLMUnavailable, match=r"cannot reach .*gave up after 3 attempt"):
        chat(config_for(UNREACHABLE, max_retries=2), MESSAGES)


def test_backoff_grows_exponentially_with_jitter() -> None:
    waits: list[float] = []
    config = config_for(UNREACHABLE, max_retries=3, backoff_base=0.1, backoff_max=10.0)
    with pytest.raises(LLMUnavailable):
        chat(config, MESSAGES, sleep=waits.append, rng=random.Random(1))
    assert len(waits) == 3
    for attempt, wait in enumerate(waits):
        full = 0.1 * 2**attempt
        assert full * 0.5 <= wait <= full
    assert waits[2] > waits[0]


def test_backoff_that_would_exceed_the_budget_is_not_waited() -> None:
    waits: list[float] = []
    config = config_for(
        UNREACHABLE, timeout=0.5, max_retries=5, backoff_base=2.0, backoff_max=10.0
    )
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match="gave up after 1 attempt"):
        chat(config, MESSAGES, sleep=waits.append)
    assert waits == []
    assert time.monotonic() - started < 0.5


# --------------------------------------------------------------------------- time budget


def test_slow_reply_is_cut_off_at_the_timeout(fake: FakeOllama) -> None:
    fake.script(Reply(text="too late", delay=2.0))
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match="did not answer within 0.6 s"):
        chat(config_for(fake.url, timeout=0.6), MESSAGES)
    assert time.monotonic() - started < 0.6 + SLACK


def test_stream_that_drips_past_the_timeout_is_cut_off(fake: FakeOllama) -> None:
    fake.script(Reply(text="one two three four five six seven", chunk_delay=0.3))
    started = time.monotonic()
    received: list[str] = []
    with pytest.raises(LLMUnavailable, match="did not answer within 0.8 s"):
        for chunk in stream_chat(config_for(fake.url, timeout=0.8), MESSAGES):
            received.append(chunk)
    assert received  # some text arrived before the budget ran out
    assert time.monotonic() - started < 0.8 + SLACK


def test_retries_share_one_budget(fake: FakeOllama) -> None:
    fake.script(
        Reply(status=500, delay=0.3), Reply(status=500, delay=0.3), Reply(delay=0.3)
    )
    started = time.monotonic()
    with pytest.raises(LLMUnavailable):
        chat(config_for(fake.url, timeout=0.5, max_retries=5), MESSAGES)
    assert time.monotonic() - started < 0.5 + SLACK


# --------------------------------------------------------------------------- garbage


def test_malformed_reply_is_unavailable(fake: FakeOllama) -> None:
    fake.script(Reply(malformed=True))
    with pytest.raises(LLMUnavailable, match="not valid Ollama JSON"):
        chat(config_for(fake.url), MESSAGES)
    assert fake.calls("/api/chat") == 1


def test_malformed_stream_is_unavailable(fake: FakeOllama) -> None:
    fake.script(Reply(malformed=True))
    with pytest.raises(LLMUnavailable, match="not valid Ollama JSON"):
        list(stream_chat(config_for(fake.url), MESSAGES))


@pytest.mark.parametrize("text", ["", "   \n "])
def test_empty_reply_is_unavailable(fake: FakeOllama, text: str) -> None:
    fake.script(Reply(text=text))
    with pytest.raises(LLMUnavailable, match="empty reply"):
        chat(config_for(fake.url), MESSAGES)


@pytest.mark.parametrize(
    "messages",
    [[], [{"role": "wizard", "content": "x"}], [{"role": "user", "content": 3}]],
)
def test_malformed_messages_are_a_value_error(messages: list) -> None:
    with pytest.raises(ValueError):
        chat(config_for(UNREACHABLE), messages)


# --------------------------------------------------------------------------- probe


def test_probe_reports_reachable_server_and_model(fake: FakeOllama) -> None:
    status = probe(config_for(fake.url))
    assert status["reachable"] is True
    assert status["model_present"] is True
    assert status["models"] == ["llama3:latest"]
    assert status["version"] == "0.6.3"
    assert status["reason"] is None


def test_probe_reports_a_missing_model(fake: FakeOllama) -> None:
    status = probe(config_for(fake.url, model="mistral"))
    assert status["reachable"] is True
    assert status["model_present"] is False
    assert "mistral" in status["reason"]


def test_probe_reports_an_unreachable_server() -> None:
    status = probe(config_for(UNREACHABLE))
    assert status["reachable"] is False
    assert "cannot reach" in status["reason"]


def test_probe_reports_a_failing_tags_endpoint(fake: FakeOllama) -> None:
    fake.tags_status = 500
    status = probe(config_for(fake.url))
    assert status["reachable"] is False
    assert "HTTP 500" in status["reason"]


@pytest.mark.parametrize(
    ("model", "names", "expected"),
    [
        ("llama3", ["llama3:latest"], True),
        ("llama3", ["llama3"], True),
        ("llama3:8b", ["llama3:8b", "mistral:latest"], True),
        ("llama3", ["llama3:8b"], False),
        ("llama3", ["llama3.1:latest"], False),
    ],
)
def test_model_matches(model: str, names: list[str], expected: bool) -> None:
    assert model_matches(model, names) is expected


# --------------------------------------------------------------------------- config


def test_config_from_settings_reads_the_ollama_fields() -> None:
    settings = Settings(
        OLLAMA_HOST="http://ollama:11434",
        OLLAMA_MODEL="mistral",
        OLLAMA_TIMEOUT=12.5,
        OLLAMA_MAX_RETRIES=1,
    )
    config = LLMConfig.from_settings(settings)
    assert (config.host, config.model, config.timeout, config.max_retries) == (
        "http://ollama:11434",
        "mistral",
        12.5,
        1,
    )


def test_config_from_a_mapping_uses_defaults_for_missing_keys() -> None:
    config = LLMConfig.from_settings({"OLLAMA_MODEL": "phi3"})
    assert config.model == "phi3"
    assert config.host == LLMConfig().host


@pytest.mark.parametrize(
    "overrides",
    [{"host": ""}, {"model": ""}, {"timeout": 0}, {"max_retries": -1}],
)
def test_config_rejects_unusable_values(overrides: dict) -> None:
    with pytest.raises(ValueError):
        LLMConfig(**overrides)


def test_ollama_chat_is_a_picklable_callable(fake: FakeOllama) -> None:
    llm = pickle.loads(pickle.dumps(OllamaChat(config_for(fake.url))))
    fake.script(Reply(text="from a copy"))
    assert llm.model_name == "llama3"
    assert llm(MESSAGES) == "from a copy"
