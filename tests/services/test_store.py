"""Session store: both backends behave the same (diskcache always, Redis when reachable)."""

from __future__ import annotations

import time
import uuid

import pandas as pd
import pytest

from services.store import DiskcacheSessionStore, RedisSessionStore, is_session_id


def _redis_available() -> bool:
    try:
        import redis

        return bool(
            redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_timeout=1).ping()
        )
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(params=["diskcache", pytest.param("redis", marks=pytest.mark.redis)])
def make_store(request, tmp_path):
    def build(ttl: int = 60):
        if request.param == "diskcache":
            return DiskcacheSessionStore(str(tmp_path / "store"), ttl)
        if not _redis_available():
            pytest.fail(
                "Redis at 127.0.0.1:6379 is not reachable (it runs on every dev/CI machine)"
            )
        return RedisSessionStore(
            "redis://127.0.0.1:6379/15", ttl, prefix=f"test-{uuid.uuid4().hex}:"
        )

    return build


def test_create_and_read_back(make_store):
    store = make_store()
    frame = pd.DataFrame({"sku": ["a", "b"], "revenue": [1.5, 2.25]})
    sid = store.create({"filename": "x.csv"}, {"frame": frame})
    assert is_session_id(sid) and len(sid) >= 22
    meta = store.get_meta(sid)
    assert meta["filename"] == "x.csv"
    assert meta["expires_at"] - meta["created_at"] == pytest.approx(60)
    pd.testing.assert_frame_equal(store.get_frame(sid), frame)


def test_ids_are_unique_and_unguessable(make_store):
    store = make_store()
    ids = {store.create({}, {}) for _ in range(20)}
    assert len(ids) == 20
    assert all(is_session_id(i) for i in ids)


def test_unknown_and_malformed_ids_return_none(make_store):
    store = make_store()
    assert store.get_meta("A" * 32) is None
    assert store.get_meta("../../etc/passwd") is None
    assert store.get_frame("nope") is None


def test_values_and_meta_updates(make_store):
    store = make_store()
    sid = store.create({"filename": "x.csv"}, {})
    store.set_value(sid, "chat", [{"q": "hi"}])
    assert store.get_value(sid, "chat") == [{"q": "hi"}]
    store.update_meta(sid, {"mapping": {"revenue": "Sales"}})
    assert store.get_meta(sid)["mapping"] == {"revenue": "Sales"}
    with pytest.raises(KeyError):
        store.update_meta("B" * 32, {})


def test_expired_sessions_are_hidden_then_swept_and_counted(make_store):
    store = make_store(ttl=1)
    sid = store.create({"filename": "old.csv"}, {"frame": pd.DataFrame({"a": [1]})})
    assert store.stats()["active_sessions"] == 1
    time.sleep(1.2)
    assert store.get_meta(sid) is None
    assert store.get_frame(sid) is None
    assert store.sweep() == 1
    assert store.stats() == {"active_sessions": 0, "cleanup_count": 1}
    assert store.sweep() == 0


def test_delete_removes_everything(make_store):
    store = make_store()
    sid = store.create(
        {}, {"frame": pd.DataFrame({"a": [1]}), "table": pd.DataFrame({"b": [2]})}
    )
    store.set_value(sid, "v", 1)
    store.delete(sid)
    assert store.get_meta(sid) is None
    assert store.stats()["active_sessions"] == 0


def test_maybe_sweep_runs_once_per_interval(make_store):
    store = make_store(ttl=1)
    store.create({}, {})
    time.sleep(1.1)
    assert store.maybe_sweep(60) == 1
    store.create({}, {})
    time.sleep(1.1)
    assert store.maybe_sweep(60) == 0  # within the interval: skipped


def test_globals_and_add_global(make_store):
    store = make_store()
    store.set_global("mapping:abc", {"revenue": "Sales"})
    assert store.get_global("mapping:abc") == {"revenue": "Sales"}
    assert store.add_global("lock", 1, 5) is True
    assert store.add_global("lock", 1, 5) is False
