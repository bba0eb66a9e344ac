"""Session store: both backends behave the same (diskcache always, Redis when reachable)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace

import pandas as pd
import pytest

from services.session_meta import SessionMeta
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
    sid = store.create(SessionMeta(filename="x.csv"), {"frame": frame})
    assert is_session_id(sid) and len(sid) >= 22
    meta = store.get_meta(sid)
    assert meta.filename == "x.csv" and meta.session_id == sid
    assert meta.expires_at - meta.created_at == pytest.approx(60)
    pd.testing.assert_frame_equal(store.get_frame(sid), frame)


def test_ids_are_unique_and_unguessable(make_store):
    store = make_store()
    ids = {store.create(SessionMeta(), {}) for _ in range(20)}
    assert len(ids) == 20
    assert all(is_session_id(i) for i in ids)


def test_unknown_and_malformed_ids_return_none(make_store):
    store = make_store()
    assert store.get_meta("A" * 32) is None
    assert store.get_meta("../../etc/passwd") is None
    assert store.get_frame("nope") is None


def test_values_and_meta_updates(make_store):
    store = make_store()
    sid = store.create(SessionMeta(filename="x.csv"), {})
    store.set_value(sid, "chat", [{"q": "hi"}])
    assert store.get_value(sid, "chat") == [{"q": "hi"}]
    store.update_meta(sid, {"mapping": {"revenue": "Sales"}})
    assert store.get_meta(sid).mapping == {"revenue": "Sales"}
    with pytest.raises(KeyError):
        store.update_meta("B" * 32, {})


def test_expired_sessions_are_hidden_then_swept_and_counted(make_store):
    store = make_store(ttl=1)
    sid = store.create(
        SessionMeta(filename="old.csv"), {"frame": pd.DataFrame({"a": [1]})}
    )
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
        SessionMeta(),
        {"frame": pd.DataFrame({"a": [1]}), "table": pd.DataFrame({"b": [2]})},
    )
    store.set_value(sid, "v", 1)
    store.delete(sid)
    assert store.get_meta(sid) is None
    assert store.stats()["active_sessions"] == 0


def test_maybe_sweep_runs_once_per_interval(make_store):
    store = make_store(ttl=1)
    store.create(SessionMeta(), {})
    time.sleep(1.1)
    assert store.maybe_sweep(60) == 1
    store.create(SessionMeta(), {})
    time.sleep(1.1)
    assert store.maybe_sweep(60) == 0  # within the interval: skipped


def test_globals_and_add_global(make_store):
    store = make_store()
    store.set_global("mapping:abc", {"revenue": "Sales"})
    assert store.get_global("mapping:abc") == {"revenue": "Sales"}
    assert store.add_global("lock", 1, 5) is True
    assert store.add_global("lock", 1, 5) is False


def _append_from_process(kind: str, where: str, sid: str, worker: int) -> None:
    if kind == "diskcache":
        store = DiskcacheSessionStore(where, 60)
    else:
        url, prefix = where.split("|")
        store = RedisSessionStore(url, 60, prefix=prefix)
    for i in range(15):
        store.append_value(sid, "history", f"{worker}-{i}")


def test_appends_from_several_processes_all_land(make_store):
    import multiprocessing

    store = make_store()
    sid = store.create(SessionMeta(), {})
    if isinstance(store, DiskcacheSessionStore):
        kind, where = "diskcache", store.directory
    else:
        kind, where = "redis", f"{store.url}|{store.prefix}"
    ctx = multiprocessing.get_context("fork")
    workers = [
        ctx.Process(target=_append_from_process, args=(kind, where, sid, w))
        for w in range(4)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    items = store.get_value(sid, "history")
    assert sorted(items) == sorted(f"{w}-{i}" for w in range(4) for i in range(15))
    for w in range(4):  # each writer's items stay in its order
        mine = [x for x in items if x.startswith(f"{w}-")]
        assert mine == [f"{w}-{i}" for i in range(15)]


def test_append_keeps_the_last_items_and_needs_a_live_session(make_store):
    store = make_store()
    sid = store.create(SessionMeta(), {})
    for i in range(5):
        store.append_value(sid, "history", i, keep=3)
    assert store.get_value(sid, "history") == [2, 3, 4]
    store.delete(sid)
    with pytest.raises(KeyError):
        store.append_value(sid, "history", 9)


def test_lock_is_exclusive_and_times_out(make_store):
    store = make_store()
    with store.lock("job"):
        with pytest.raises(TimeoutError, match="'job' stayed busy"):
            with store.lock("job", timeout=0.2):
                pass
    with store.lock("job", timeout=0.2):  # released after the block
        pass


def test_a_lock_left_by_a_dead_holder_expires(make_store):
    store = make_store()
    store.add_global("lock:stale", "someone-gone", 0.3)
    started = time.monotonic()
    with store.lock("stale", timeout=5):
        pass
    assert time.monotonic() - started >= 0.2


#: Metadata as an older version stored it: no revision, sheets, owner, mapping origin,
#: keep_overlaps or rows_read, a key this version does not know, nulls where it now
#: keeps values.
OLD_RECORD = {
    "filename": "old.csv",
    "source": "upload",
    "rows": 12,
    "columns": ["Date", "Sales"],
    "mapping": {"date": "Date", "revenue": "Sales"},
    "confidence": {"date": 1.0},
    "warnings": ["one warning"],
    "report": {"read": {"file_type": "csv"}},
    "granularity": "week",
    "currency": None,
    "date_start": "2024-01-01",
    "date_end": "2024-03-31",
    "categories": None,
    "legacy_note": {"kept": [1, 2]},
}


def _store_raw_meta(store, record: dict) -> str:
    """A session whose stored metadata is ``record`` as it is (as an old version wrote it)."""
    sid = store.create(SessionMeta(), {"frame": pd.DataFrame({"a": [1]})})
    now = time.time()
    raw = {**record, "session_id": sid, "created_at": now, "expires_at": now + 60}
    store._set(store._key(sid, "meta"), json.dumps(raw).encode(), 60)
    return sid


def test_an_old_record_is_read_with_defaults_and_keeps_unknown_keys(make_store):
    store = make_store()
    sid = _store_raw_meta(store, OLD_RECORD)
    meta = store.get_meta(sid)
    assert meta.filename == "old.csv" and meta.rows == 12
    assert meta.rows_read == 12  # not recorded: the rows used
    assert meta.revision == 0 and meta.sheets == [] and meta.owner == {}
    assert meta.mapping_origin == {"source": "detected"}
    assert meta.keep_overlaps is False and meta.sources is None
    assert meta.categories == [] and meta.currency_symbol == "$"
    assert meta.granularity == "week"
    assert meta.extra == {"legacy_note": {"kept": [1, 2]}}
    # an update writes back the unknown key and leaves the old keys as they were
    updated = store.update_meta(sid, {"revision": 1})
    assert updated.revision == 1 and updated.extra == meta.extra
    stored = json.loads(store._get(store._key(sid, "meta")))
    assert stored["legacy_note"] == {"kept": [1, 2]}
    assert stored["categories"] is None and "sheets" not in stored
    assert stored["revision"] == 1


def test_update_meta_refuses_a_key_that_is_not_session_metadata(make_store):
    store = make_store()
    sid = store.create(SessionMeta(filename="x.csv"), {})
    with pytest.raises(ValueError, match="not session metadata: filname"):
        store.update_meta(sid, {"filname": "y.csv"})
    assert store.get_meta(sid).filename == "x.csv"


def test_a_created_session_is_stored_as_the_same_dict(make_store):
    store = make_store()
    meta = SessionMeta(
        filename="x.csv",
        rows=3,
        rows_read=4,
        columns=["a"],
        mapping={"revenue": "a"},
        owner={"browser": "digest"},
        extra={"future_key": "kept"},
    )
    sid = store.create(meta, {})
    stored = json.loads(store._get(store._key(sid, "meta")))
    read = store.get_meta(sid)
    assert stored == read.to_dict()
    assert stored["future_key"] == "kept" and stored["rows_read"] == 4
    assert read == replace(
        meta,
        session_id=sid,
        created_at=stored["created_at"],
        expires_at=stored["expires_at"],
    )


def test_a_large_value_is_written_in_one_call_and_reads_back_the_same(tmp_path):
    """Large bytes (a Parquet frame) go to their own file in one write, not line by line
    as diskcache's own ``Disk`` does, and read back byte for byte."""
    import diskcache

    from services.disk_cache import open_cache

    chunks: list[int] = []
    original = diskcache.Disk._write

    def counting_write(self, full_path, iterator, mode, encoding=None):
        pieces = list(iterator)
        chunks.append(len(pieces))
        return original(self, full_path, iter(pieces), mode, encoding)

    cache = open_cache(str(tmp_path / "cache"))
    value = b"".join(bytes([i % 251]) + b"\n" for i in range(3_000_000))  # many lines
    diskcache.Disk._write = counting_write
    try:
        cache.set("big", value)
    finally:
        diskcache.Disk._write = original
    assert chunks == [1]  # one piece, one write
    assert cache.get("big") == value
    small = b"tiny\n" * 3
    cache.set("small", small)  # kept in SQLite, as before
    assert cache.get("small") == small
