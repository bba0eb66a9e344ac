"""services.datasets with several files: one mapping for files with the same columns
(the one this browser confirmed, when there is one), the limits of one upload on the
combined data, and adding to a session that is gone."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.errors import IngestError
from analytics.ingest.limits import LimitExceeded, UploadLimits
from services.datasets import (
    Upload,
    add_files,
    create_combined_session,
    create_session,
    load_dataset,
    remap_session,
)
from services.store import DiskcacheSessionStore
from tests.conftest import transactions_frame
from web.errors import status_for

OWNER = {"browser": "browser-digest", "token": "token-digest"}


@pytest.fixture
def store(tmp_path):
    return DiskcacheSessionStore(str(tmp_path / "store"), 600)


def halves() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = transactions_frame(rows=300, start="2024-01-01", days=120)
    month = frame["Date"].str[:7]
    return frame[month <= "2024-02"], frame[month > "2024-02"]


def upload(name: str, frame: pd.DataFrame) -> Upload:
    return Upload(frame.to_csv(index=False).encode(), name)


def test_a_confirmed_mapping_applies_to_every_file_with_those_columns(store):
    first, second = halves()
    sid = create_session(
        store, first.to_csv(index=False).encode(), "old.csv", owner=OWNER
    ).session_id
    meta = store.get_meta(sid)
    remap_session(store, sid, {**meta.mapping, "revenue": "Unit Price", "cost": None})
    combined = create_combined_session(
        store,
        [upload("jan-feb.csv", first), upload("mar-apr.csv", second)],
        owner=OWNER,
    )
    assert combined.mapping["revenue"] == "Unit Price"
    assert combined.mapping_origin["source"] == "remembered"
    frame = load_dataset(store, combined.session_id).frame
    expected = first["Unit Price"].sum() + second["Unit Price"].sum()
    assert frame["revenue"].sum() == pytest.approx(expected, abs=0.01)


def test_a_file_that_does_not_fit_is_named_with_the_reason(store):
    first, second = halves()
    broken = second.assign(Date="soon")
    with pytest.raises(IngestError) as error:
        create_combined_session(
            store, [upload("good.csv", first), upload("broken.csv", broken)]
        )
    assert "“broken.csv”" in str(error.value)


def test_the_combined_rows_obey_the_row_limit(store):
    first, second = halves()
    limits = UploadLimits(max_rows=len(first) + len(second) - 1)
    with pytest.raises(LimitExceeded) as error:
        create_combined_session(
            store, [upload("a.csv", first), upload("b.csv", second)], limits=limits
        )
    assert status_for(error.value) == 413
    assert f"{limits.max_rows:,} rows" in str(error.value)


def test_adding_to_a_session_that_is_gone(store):
    first, _second = halves()
    with pytest.raises(KeyError):
        add_files(store, "missing", [upload("a.csv", first)])


def test_adding_leaves_the_session_unchanged_when_refused(store):
    first, second = halves()
    sid = create_combined_session(
        store, [upload("a.csv", first), upload("b.csv", second)]
    ).session_id
    before = store.get_meta(sid)
    with pytest.raises(IngestError):
        add_files(store, sid, [upload("no-cost.csv", second.drop(columns=["Cost"]))])
    after = store.get_meta(sid)
    assert after.revision == before.revision
    assert after.rows == before.rows
