"""CSV and Excel downloads of dashboard tables, safe to open in a spreadsheet."""

from __future__ import annotations

import io
import re

import pandas as pd

from analytics.errors import UserFacingError
from analytics.formatting import NumberLocale, excel_date_format, get_locale

#: A text cell starting with one of these is read as a formula by spreadsheet apps.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_PATTERN = r"^[=+\-@\t\r]"
MAX_SHEET_NAME = 31
_SHEET_NAME_FORBIDDEN = r"[\[\]:*?/\\]"
#: Control characters an Excel cell cannot hold (openpyxl's ``ILLEGAL_CHARACTERS_RE``,
#: repeated here so that openpyxl is only loaded by the first workbook written or read).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


class ExportError(UserFacingError, ValueError):
    """A table cannot be exported as asked (message is shown to the user)."""


def _neutralise_text(values: pd.Series) -> pd.Series:
    """Prefix an apostrophe to the text values that would start a formula.

    Non-text values (numbers, dates, missing) in object columns are left alone.
    """
    starts = values.str.match(_TRIGGER_PATTERN)
    risky = starts.fillna(False).astype(bool) if starts.dtype == object else starts
    risky = risky.to_numpy(dtype=bool, na_value=False)
    if not risky.any():
        return values
    fixed = values.copy()
    fixed.loc[risky] = "'" + values.loc[risky].astype("str")
    return fixed


def _is_text(values: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(values) or values.dtype == object


def _neutralise_label(label: object) -> object:
    if isinstance(label, str) and label.startswith(FORMULA_TRIGGERS):
        return "'" + label
    return label


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` in which no text cell or column name can run as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading apostrophe (``"=SUM(A1)"`` → ``"'=SUM(A1)"``), the usual defence against CSV /
    formula injection. Numbers, dates and missing values are unchanged (``-5`` stays the
    number −5); categorical columns are neutralised through their categories.
    """
    out = df.copy(deep=False)
    for column in out.columns:
        values = out[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            categories = values.cat.categories
            if _is_text(pd.Series(categories)):
                fixed = _neutralise_text(pd.Series(categories, dtype=object))
                if not fixed.equals(pd.Series(categories, dtype=object)):
                    out[column] = values.cat.rename_categories(list(fixed))
        elif _is_text(values):
            out[column] = _neutralise_text(values)
    out.columns = [_neutralise_label(label) for label in out.columns]
    return out


def _dates_as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Datetime columns as ISO text: ``YYYY-MM-DD``, with the time only where one is set."""
    out = df.copy(deep=False)
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            if getattr(values.dt, "tz", None) is not None:
                values = values.dt.tz_localize(None)
            has_time = bool((values.dropna() != values.dropna().dt.normalize()).any())
            pattern = "%Y-%m-%d %H:%M:%S" if has_time else "%Y-%m-%d"
            out[column] = values.dt.strftime(pattern).astype("str")
    return out


def csv_dialect(locale: NumberLocale | str | None = None) -> tuple[str, str]:
    """(field separator, decimal mark) of a CSV for ``locale``: ``(",", ".")``, or
    ``(";", ",")`` where numbers are written with a decimal comma (what a spreadsheet
    set to that locale reads without mixing up the two)."""
    where = get_locale(locale)
    return (";", ",") if where.decimal == "," else (",", ".")


def to_csv_bytes(
    df: pd.DataFrame,
    *,
    excel_bom: bool = True,
    locale: NumberLocale | str | None = None,
) -> bytes:
    """The frame as CSV (UTF-8, header row, no index) in ``locale``'s dialect (by
    default the current one): comma-separated with decimal points, or
    semicolon-separated with decimal commas (``csv_dialect``). Figures are the same,
    never grouped or rounded.

    Dates are written as ISO dates (``2024-03-31``; with ``HH:MM:SS`` only when a column
    holds times of day), text is neutralised with ``neutralise_formulas``, missing values
    are empty. ``excel_bom`` starts the file with a UTF-8 byte-order mark so that Excel
    shows accents and currency symbols correctly.
    """
    separator, decimal = csv_dialect(locale)
    safe = _dates_as_text(neutralise_formulas(df))
    text = safe.to_csv(
        index=False, lineterminator="\r\n", sep=separator, decimal=decimal
    )
    return text.encode("utf-8-sig" if excel_bom else "utf-8")


def _clean_sheet_name(name: str) -> str:
    cleaned = pd.Series([name]).str.replace(_SHEET_NAME_FORBIDDEN, " ", regex=True)[0]
    cleaned = cleaned.strip().strip("'")[:MAX_SHEET_NAME].strip()
    if not cleaned:
        raise ExportError("The sheet name is empty; use letters or digits.")
    return cleaned


def _excel_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Neutralised frame with characters Excel cannot store removed from text."""
    out = neutralise_formulas(df)
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_string_dtype(values) and not isinstance(
            values.dtype, pd.CategoricalDtype
        ):
            out[column] = values.str.replace(ILLEGAL_CHARACTERS_RE, "", regex=True)
        elif pd.api.types.is_datetime64_any_dtype(values):
            if getattr(values.dt, "tz", None) is not None:
                values = values.dt.tz_localize(None)
            known = values.dropna()
            if bool((known == known.dt.normalize()).all()):
                # Plain dates are written with the workbook's date format.
                values = values.dt.date.astype(object).where(values.notna(), None)
            out[column] = values
    return out


def to_xlsx_bytes(
    df: pd.DataFrame,
    sheet_name: str = "Data",
    *,
    locale: NumberLocale | str | None = None,
) -> bytes:
    """The frame as an Excel workbook with one sheet (openpyxl).

    Numbers stay numeric cells (Excel writes them with the reader's own separators),
    dates are date cells shown in ``locale``'s numeric order (``excel_date_format``:
    ``m/d/yyyy``, ``dd.mm.yyyy``…; with the time only for columns that hold times of
    day), text is neutralised with
    ``neutralise_formulas`` and stripped of control characters Excel cannot store; the
    header row is frozen. ``sheet_name`` is cut to Excel's 31 characters and rid of
    ``[]:*?/\\``.

    Raises
    ------
    ExportError
        When the sheet name is empty after cleaning.
    """
    name = _clean_sheet_name(sheet_name)
    safe = _excel_ready(df)
    date_format = excel_date_format(locale)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, sheet_name=name, index=False, freeze_panes=(1, 0))
        sheet = writer.sheets[name]
        for index, column in enumerate(df.columns, start=1):
            if not pd.api.types.is_datetime64_any_dtype(df[column]):
                continue
            # openpyxl gives date cells its own ISO format: write the locale's
            # (still datetimes after _excel_ready: the column holds times of day)
            has_time = pd.api.types.is_datetime64_any_dtype(safe[column])
            pattern = f"{date_format} hh:mm:ss" if has_time else date_format
            for (cell,) in sheet.iter_rows(
                min_row=2, min_col=index, max_col=index, max_row=len(df) + 1
            ):
                if cell.value is not None:
                    cell.number_format = pattern
    return buffer.getvalue()
