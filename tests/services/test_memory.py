"""Memory is given back after an upload (a no-op where the C library cannot)."""

from __future__ import annotations

from services import memory
from tests.conftest import upload


def test_release_memory_runs_anywhere():
    memory.release_memory()


def test_an_upload_gives_memory_back_once_answered(client, sales_csv, monkeypatch):
    calls = []
    monkeypatch.setattr("web.routes.release_memory", lambda: calls.append(1))
    response = upload(client, sales_csv)
    assert response.status_code == 201
    response.close()
    refused = upload(client, b"Name,Email\nAda,ada@example.com\n", "people.csv")
    assert refused.status_code == 400
    refused.close()
    assert len(calls) == 2


def test_large_allocations_are_mapped_where_glibc_allows():
    if memory._LIBC is None or not hasattr(memory._LIBC, "mallopt"):
        assert memory.map_large_allocations() is False
    else:
        assert memory.map_large_allocations() is True
