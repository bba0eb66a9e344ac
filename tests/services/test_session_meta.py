"""SessionMeta: the stored dict and back, for records of this version and older ones."""

from __future__ import annotations

import json

import pytest

from services.session_meta import FIELD_NAMES, SessionMeta

#: A record as this version stores it (every key, JSON round-tripped).
FULL = {
    "session_id": "s" * 32,
    "created_at": 1700000000.5,
    "expires_at": 1700086400.5,
    "filename": "a.csv + 1 more file",
    "source": "upload",
    "rows": 10,
    "rows_read": 12,
    "columns": ["Date", "Sales"],
    "mapping": {"date": "Date", "revenue": "Sales", "cost": None},
    "confidence": {"date": 1.0, "revenue": 0.82},
    "warnings": ["2 rows set aside"],
    "report": {"read": {"file_type": "csv"}, "rows_read": 12},
    "drop_duplicates": True,
    "keep_overlaps": True,
    "granularity": "day",
    "currency": "€",
    "date_start": "2024-01-01",
    "date_end": "2024-02-29",
    "categories": ["A", "B"],
    "owner": {"browser": "b-digest", "token": None},
    "mapping_origin": {"source": "confirmed", "confirmed_at": 1700000100.0},
    "sheets": [{"name": "Sheet1", "rows": 10}],
    "sources": [{"name": "a.csv", "read": {}, "mapping": {}}],
    "revision": 3,
}


def test_a_full_record_round_trips_exactly():
    assert set(FULL) == set(FIELD_NAMES)
    meta = SessionMeta.from_dict(json.loads(json.dumps(FULL)))
    assert meta.to_dict() == FULL
    assert meta.currency_symbol == "€" and meta.revision == 3
    assert meta.sources == FULL["sources"] and meta.extra == {}


def test_unknown_keys_are_kept_and_written_back():
    record = {**FULL, "written_by_a_newer_version": {"x": 1}}
    meta = SessionMeta.from_dict(record)
    assert meta.extra == {"written_by_a_newer_version": {"x": 1}}
    assert meta.to_dict() == record


def test_an_empty_record_gets_every_default():
    meta = SessionMeta.from_dict({})
    assert meta == SessionMeta()
    assert meta.mapping_origin == {"source": "detected"}
    assert meta.currency_symbol == "$" and not meta.has_customers
    assert set(meta.to_dict()) == set(FIELD_NAMES)


def test_defaults_are_not_shared_between_instances():
    one, two = SessionMeta(), SessionMeta()
    one.mapping["revenue"] = "Sales"
    one.mapping_origin["source"] = "confirmed"
    assert two.mapping == {} and two.mapping_origin == {"source": "detected"}


def test_an_old_revision_written_as_text_or_null_is_a_number():
    assert SessionMeta.from_dict({"revision": "2"}).revision == 2
    assert SessionMeta.from_dict({"revision": None}).revision == 0


def test_with_changes_applies_stored_keys_and_refuses_others():
    meta = SessionMeta.from_dict(FULL)
    changed = meta.with_changes({"rows": 4, "sources": None})
    assert changed.rows == 4 and changed.sources is None
    assert meta.rows == 10  # the original is unchanged
    with pytest.raises(ValueError, match="not session metadata: extra, nope"):
        meta.with_changes({"nope": 1, "extra": {}})
