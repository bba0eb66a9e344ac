"""Tests for analytics.exports: formula neutralisation, CSV and XLSX downloads."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import openpyxl
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics.exports import (
    ExportError,
    csv_dialect,
    neutralise_formulas,
    to_csv_bytes,
    to_xlsx_bytes,
)
from analytics.formatting import use_locale


@pytest.fixture
def risky() -> pd.DataFrame:
    """Text that spreadsheets would run as formulas, next to numbers and dates."""
    return pd.DataFrame(
        {
            "sku": pd.Series(["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tTab",
                              "\rCR", "plain", None], dtype="str"),
            "amount": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, np.nan],
            "count": np.arange(8, dtype="int64"),
            "date": pd.to_datetime(["2024-01-02", None] + ["2024-03-04"] * 6).astype(
                "datetime64[ns]"
            ),
        }
    )  # fmt: skip


def read_sheet(data: bytes) -> list[list[openpyxl.cell.cell.Cell]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [list(row) for row in workbook.active.iter_rows()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946", "'+44 20 7946"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("", ""),
        ("Café", "Café"),
    ],
)
def test_text_that_starts_a_formula_gets_an_apostrophe(text, expected):
    frame = pd.DataFrame({"t": pd.Series([text], dtype="str")})
    assert neutralise_formulas(frame)["t"].tolist() == [expected]


def test_numbers_and_missing_values_are_unchanged(risky):
    safe = neutralise_formulas(risky)
    assert_frame_equal(
        safe[["amount", "count", "date"]], risky[["amount", "count", "date"]]
    )
    assert pd.isna(safe["sku"].iloc[-1])


def test_object_columns_only_touch_their_text(risky):
    frame = pd.DataFrame(
        {"mixed": pd.Series(["=x", -5, 2.5, None, "ok"], dtype=object)}
    )
    assert neutralise_formulas(frame)["mixed"].tolist() == ["'=x", -5, 2.5, None, "ok"]


def test_categorical_columns_are_neutralised_through_their_categories():
    frame = pd.DataFrame({"c": pd.Categorical(["+a", "b", "+a"])})
    safe = neutralise_formulas(frame)
    assert safe["c"].tolist() == ["'+a", "b", "'+a"]
    assert isinstance(safe["c"].dtype, pd.CategoricalDtype)


def test_column_names_are_neutralised():
    frame = pd.DataFrame({"=cmd": [1], "revenue": [2]})
    assert neutralise_formulas(frame).columns.tolist() == ["'=cmd", "revenue"]


def test_neutralising_does_not_modify_the_input(risky):
    before = risky.copy(deep=True)
    neutralise_formulas(risky)
    assert_frame_equal(risky, before)


def test_csv_round_trip(risky):
    data = to_csv_bytes(risky)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    assert back["sku"].tolist()[:4] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
    ]
    assert back["amount"].tolist()[:3] == ["-1.5", "2.0", "-3.0"]
    assert back["date"].tolist()[:3] == ["2024-01-02", "", "2024-03-04"]


def test_csv_in_a_decimal_comma_locale_uses_semicolons(risky):
    data = to_csv_bytes(risky, locale="de-DE")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "sku;amount;count;date"
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", sep=";", decimal=",")
    english = pd.read_csv(io.BytesIO(to_csv_bytes(risky)), encoding="utf-8-sig")
    # the same figures, only written differently
    assert_frame_equal(back, english)
    assert "-1,5" in text and "2024-01-02" in text
    assert csv_dialect("fr-FR") == (";", ",")
    assert csv_dialect("en-GB") == (",", ".")


def test_csv_follows_the_current_locale(risky):
    with use_locale("de-DE"):
        assert to_csv_bytes(risky) == to_csv_bytes(risky, locale="de-DE")
    assert to_csv_bytes(risky).decode("utf-8-sig").startswith("sku,amount")


def test_csv_without_bom_and_with_times_of_day():
    frame = pd.DataFrame(
        {"at": pd.to_datetime(["2024-01-02 10:30:00", "2024-01-03 00:00:00"])}
    )
    text = to_csv_bytes(frame, excel_bom=False).decode("utf-8")
    assert text == "at\r\n2024-01-02 10:30:00\r\n2024-01-03 00:00:00\r\n"


def test_xlsx_keeps_numbers_numeric_and_text_inert(risky):
    rows = read_sheet(to_xlsx_bytes(risky, sheet_name="SKUs"))
    assert [cell.value for cell in rows[0]] == ["sku", "amount", "count", "date"]
    first = rows[1]
    assert first[0].value == '\'=HYPERLINK("http://x")'
    assert first[0].data_type == "s"
    assert (first[1].value, first[1].data_type) == (-1.5, "n")
    assert (first[2].value, first[2].data_type) == (0, "n")
    assert all(row[0].data_type != "f" for row in rows[1:])


def test_xlsx_writes_dates_as_date_cells_in_the_locale_order(risky):
    rows = read_sheet(to_xlsx_bytes(risky))
    cell = rows[1][3]
    assert cell.value == dt.datetime(2024, 1, 2)
    assert cell.number_format.lower() == "m/d/yyyy"
    assert rows[2][3].value is None
    german = read_sheet(to_xlsx_bytes(risky, locale="de-DE"))[1][3]
    assert german.value == dt.datetime(2024, 1, 2)  # the same date, written d.m.y
    assert german.number_format.lower() == "dd.mm.yyyy"
    assert read_sheet(to_xlsx_bytes(risky, locale="sv-SE"))[1][3].number_format == (
        "yyyy-mm-dd"
    )


def test_xlsx_keeps_times_of_day_where_present():
    frame = pd.DataFrame(
        {"at": pd.to_datetime(["2024-01-02 10:30:00", "2024-01-03 00:00:00"])}
    )
    cell = read_sheet(to_xlsx_bytes(frame))[1][0]
    assert cell.value == dt.datetime(2024, 1, 2, 10, 30)
    assert cell.number_format.lower() == "m/d/yyyy hh:mm:ss"


def test_xlsx_drops_characters_excel_cannot_store():
    frame = pd.DataFrame({"t": pd.Series(["bell\x07 here", "ok"], dtype="str")})
    assert read_sheet(to_xlsx_bytes(frame))[1][0].value == "bell here"


def test_xlsx_freezes_the_header_and_cleans_the_sheet_name():
    workbook = openpyxl.load_workbook(
        io.BytesIO(
            to_xlsx_bytes(
                pd.DataFrame({"a": [1]}),
                sheet_name="Q1: top/bottom [SKUs] of the year 2024",
            )
        )
    )
    sheet = workbook.active
    assert sheet.title == "Q1  top bottom  SKUs  of the ye"
    assert len(sheet.title) <= 31
    assert sheet.freeze_panes == "A2"


def test_empty_sheet_name_is_rejected():
    with pytest.raises(ExportError, match="sheet name is empty"):
        to_xlsx_bytes(pd.DataFrame({"a": [1]}), sheet_name=" ?*/ ")


def test_empty_frame_exports_a_header_only():
    frame = pd.DataFrame(
        {"sku": pd.Series([], dtype="str"), "revenue": pd.Series([], dtype="float64")}
    )
    assert to_csv_bytes(frame, excel_bom=False) == b"sku,revenue\r\n"
    assert [[c.value for c in row] for row in read_sheet(to_xlsx_bytes(frame))] == [
        ["sku", "revenue"]
    ]
