"""Decoded frames kept per process: keyed by session and revision, bounded, never stale."""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest

from services.datasets import create_session, remap_session
from services.frames import FrameCache
from services.store import DiskcacheSessionStore, RedisSessionStore
from services.views import Filters, cached_dataset, load_view
from tests.conftest import transactions_frame
from tests.services.test_store import _redis_available


def frame(rows: int = 1000, value: float = 1.0) -> pd.DataFrame:
    return pd.DataFrame({"revenue": np.full(rows, value), "sku": ["SKU-1"] * rows})


def size_of(df: pd.DataFrame) -> int:
    return int(df.memory_usage(index=True, deep=True).sum())


# -- the cache itself -----------------------------------------------------------------------


def test_a_frame_is_found_under_its_session_and_revision_only():
    cache = FrameCache(max_bytes=10**8)
    cache.put("a", 0, frame(value=1.0))
    assert cache.get("a", 0)["revenue"].iloc[0] == 1.0
    assert cache.get("a", 1) is None
    assert cache.get("b", 0) is None


def test_a_new_revision_replaces_the_old_and_an_old_one_never_replaces_a_new():
    cache = FrameCache(max_bytes=10**8)
    cache.put("a", 0, frame(value=1.0))
    cache.put("a", 1, frame(value=2.0))
    assert cache.get("a", 0) is None
    assert cache.get("a", 1)["revenue"].iloc[0] == 2.0
    assert len(cache) == 1
    cache.put("a", 0, frame(value=9.0))  # a slow request that read the old revision
    assert cache.get("a", 1)["revenue"].iloc[0] == 2.0
    assert cache.get("a", 0) is None


def test_least_recently_used_frames_go_first_to_stay_within_the_budget():
    one = size_of(frame())
    cache = FrameCache(max_bytes=2 * one + one // 2)
    cache.put("a", 0, frame())
    cache.put("b", 0, frame())
    assert cache.get("a", 0) is not None  # "a" is now more recent than "b"
    cache.put("c", 0, frame())
    assert cache.get("b", 0) is None
    assert cache.get("a", 0) is not None and cache.get("c", 0) is not None
    assert cache.nbytes == 2 * one <= cache.max_bytes


def test_a_frame_larger_than_the_budget_is_not_kept_and_zero_turns_it_off():
    cache = FrameCache(max_bytes=size_of(frame()) - 1)
    cache.put("a", 0, frame())
    assert cache.get("a", 0) is None and cache.nbytes == 0
    cache = FrameCache(max_bytes=10**8)
    cache.put("a", 0, frame())
    cache.resize(0)
    assert len(cache) == 0 and cache.get("a", 0) is None


def test_callers_cannot_change_the_cached_frame():
    cache = FrameCache(max_bytes=10**8)
    original = frame(value=1.0)
    cache.put("a", 0, original)
    original.loc[0, "revenue"] = 100.0  # the caller's own frame changes after caching
    got = cache.get("a", 0)
    got["extra"] = 1
    got.loc[1, "revenue"] = 50.0
    again = cache.get("a", 0)
    assert list(again.columns) == ["revenue", "sku"]
    assert again["revenue"].iloc[:2].tolist() == [1.0, 1.0]


# -- cached_dataset over a shared store -----------------------------------------------------


@pytest.fixture(params=["diskcache", pytest.param("redis", marks=pytest.mark.redis)])
def two_clients(request, tmp_path):
    """Two clients of one shared store, as two gunicorn workers have."""

    def build():
        if request.param == "diskcache":
            return DiskcacheSessionStore(str(tmp_path / "store"), 600)
        if not _redis_available():
            pytest.fail(
                "Redis at 127.0.0.1:6379 is not reachable (it runs on every dev/CI machine)"
            )
        return RedisSessionStore("redis://127.0.0.1:6379/15", 600, prefix=prefix)

    prefix = f"test-{uuid.uuid4().hex}:"
    return build(), build()


class CountingStore:
    """Wraps a store and counts the frames it decodes."""

    def __init__(self, store) -> None:
        self.store = store
        self.decoded = 0

    def get_meta(self, sid):
        return self.store.get_meta(sid)

    def get_frame(self, sid, name="frame"):
        self.decoded += 1
        return self.store.get_frame(sid, name)


@pytest.fixture
def sales() -> pd.DataFrame:
    return transactions_frame()


def test_the_frame_is_decoded_once_then_served_from_memory(two_clients, sales):
    store, _ = two_clients
    sid = create_session(
        store, sales.to_csv(index=False).encode(), "sales.csv"
    ).session_id
    counting, cache = CountingStore(store), FrameCache(max_bytes=10**8)
    first = cached_dataset(counting, sid, cache)
    second = cached_dataset(counting, sid, cache)
    assert counting.decoded == 1
    pd.testing.assert_frame_equal(first.frame, second.frame)
    assert second.frame["revenue"].sum() == pytest.approx(sales["Revenue"].sum())


def test_a_remap_by_another_worker_is_seen_on_the_next_call(two_clients, sales):
    mine, other = two_clients
    sid = create_session(
        mine, sales.to_csv(index=False).encode(), "sales.csv"
    ).session_id
    cache = FrameCache(max_bytes=10**8)
    before = cached_dataset(mine, sid, cache)
    assert before.frame["revenue"].sum() == pytest.approx(sales["Revenue"].sum())

    mapping = {**before.meta.mapping, "revenue": "Cost", "cost": None}
    remap_session(other, sid, mapping)  # another worker, with its own store client

    after = cached_dataset(mine, sid, cache)
    assert after.meta.revision == 1
    assert after.frame["revenue"].sum() == pytest.approx(sales["Cost"].sum())
    assert after.frame["cost"].isna().all()
    view = load_view(mine, sid, Filters())
    assert view.rows["revenue"].sum() == pytest.approx(sales["Cost"].sum())


def test_an_expired_or_deleted_session_is_gone_even_when_its_frame_is_kept(
    two_clients, sales
):
    store, other = two_clients
    sid = create_session(
        store, sales.to_csv(index=False).encode(), "sales.csv"
    ).session_id
    cache = FrameCache(max_bytes=10**8)
    assert cached_dataset(store, sid, cache) is not None
    other.delete(sid)
    assert cached_dataset(store, sid, cache) is None
    assert len(cache) == 1  # kept until evicted, but never served
