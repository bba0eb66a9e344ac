"""The Prophet probe: an import check in a child process, its answer kept for a while."""

from __future__ import annotations

import subprocess

from services import probes
from services.store import DiskcacheSessionStore


def _run_returning(code: int):
    def run(*args, **kwargs):
        return subprocess.CompletedProcess(args, code, stdout="1.5.0\n", stderr="")

    return run


def test_a_check_killed_by_a_signal_is_not_reported_as_missing(tmp_path, monkeypatch):
    store = DiskcacheSessionStore(str(tmp_path / "store"), 60)
    store.add_global("probe:prophet:running", 1, 60)
    monkeypatch.setattr(probes.subprocess, "run", _run_returning(-15))
    probes._probe_prophet(store)
    assert store.get_global("probe:prophet") is None  # nothing cached
    assert store.add_global("probe:prophet:running", 1, 60)  # checked again next time


def test_a_failed_import_is_reported_and_kept(tmp_path, monkeypatch):
    store = DiskcacheSessionStore(str(tmp_path / "store"), 60)
    monkeypatch.setattr(probes.subprocess, "run", _run_returning(1))
    probes._probe_prophet(store)
    assert store.get_global("probe:prophet")["state"] == "unavailable"


def test_a_working_import_reports_the_version(tmp_path, monkeypatch):
    store = DiskcacheSessionStore(str(tmp_path / "store"), 60)
    monkeypatch.setattr(probes.subprocess, "run", _run_returning(0))
    probes._probe_prophet(store)
    status = store.get_global("probe:prophet")
    assert status["available"] is True and status["version"] == "1.5.0"
