"""Upload size guards and value sanity checks, on bytes and small frames."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from analytics.errors import IngestError
from analytics.ingest.limits import (
    LimitExceeded,
    UploadLimits,
    check_amounts,
    check_upload,
)
from analytics.ingest.sanity import non_finite_amounts, out_of_range_dates
from web.errors import status_for

SMALL = UploadLimits(
    max_rows=100,
    max_columns=5,
    max_cells=200,
    max_line_bytes=64,
    max_unzipped_bytes=10_000,
)


def test_a_file_within_the_limits_passes():
    check_upload(b"Date,Revenue\n" + b"2024-01-01,5\n" * 50, SMALL)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"a\n" * 101, "101 lines"),
        (b"a," + b"x" * 70 + b"\n", "Line 1 of the file is 72 bytes long"),
        (b"a,b,c,d,e,f\n1,2,3,4,5,6\n", "6 columns"),
        (b"a;b;c;d;e;f\n", "6 columns"),
        (b"a,b,c,d,e\n" + b"1\n" * 45, "cells"),
    ],
)
def test_text_over_a_limit_is_refused_naming_it(data, needle):
    with pytest.raises(LimitExceeded, match=needle) as error:
        check_upload(data, SMALL)
    assert status_for(error.value) == 413


def test_quoted_separators_are_not_columns():
    check_upload(b'a,b\n"1,2,3,4,5,6,7",2\n', SMALL)


def test_utf16_text_is_measured_in_characters_not_bytes():
    text = "a,b\n" + "1,2\n" * 20
    check_upload(b"\xff\xfe" + text.encode("utf-16-le"), SMALL)
    with pytest.raises(LimitExceeded, match="columns"):
        check_upload(b"\xff\xfe" + ("a," * 9 + "a\n").encode("utf-16-le"), SMALL)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def test_unpacked_size_is_read_from_the_zip_directory():
    with pytest.raises(LimitExceeded, match="unpacks to"):
        check_upload(_zip({"xl/media/a.bin": bytes(20_000)}), SMALL)


@pytest.mark.parametrize(
    ("sheet", "needle"),
    [
        (b"<row/>" * 101, "more than 100 rows"),
        (b"<row>" + b"<c><v>1</v></c>" * 201 + b"</row>", "more than 200 cells"),
        (b'<row r="500"><c r="A500"><v>1</v></c></row>', "more than 100 rows"),
        (b'<row r="50"><c r="Z50"><v>1</v></c></row>', "50 rows × 26 columns"),
    ],
)
def test_worksheet_rows_and_cells_are_counted_from_its_xml(sheet, needle):
    data = _zip({"xl/worksheets/sheet1.xml": b"<sheetData>" + sheet + b"</sheetData>"})
    with pytest.raises(LimitExceeded, match=needle):
        check_upload(data, SMALL)


def test_amounts_that_cannot_be_added_are_refused():
    frame = pd.DataFrame({"revenue": [1e308, 1e308], "cost": [1.0, 2.0]})
    with pytest.raises(IngestError, match="Revenue"):
        check_amounts(frame)
    check_amounts(pd.DataFrame({"revenue": [1.5, np.nan, -2.0]}))


def test_columns_of_nan_and_infinity_are_named():
    table = pd.DataFrame(
        {"Revenue": ["NaN", "inf", "1e999"], "SKU": ["a", "b", "c"]}, dtype="str"
    )
    error = non_finite_amounts(table)
    assert error is not None and "'Revenue'" in str(error) and "SKU" not in str(error)
    assert non_finite_amounts(pd.DataFrame({"Revenue": ["1", "NaN"]})) is None


def test_placeholder_years_are_explained():
    table = pd.DataFrame({"Date": ["0001-01-01", "9999-12-31"], "X": ["a", "b"]})
    assert "years 1 to 9999" in out_of_range_dates(table)
    assert out_of_range_dates(pd.DataFrame({"Date": ["2024-01-01"]})) is None
