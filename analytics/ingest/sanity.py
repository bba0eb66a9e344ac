"""Plain explanations for files that read but make no sense as sales data.

Ingestion's own messages describe what it looked for; these checks say what is wrong with
the values themselves: amounts that are all NaN or infinite, dates in year 1 or 9999.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analytics.errors import IngestError

#: Dates the dashboard can place on a time axis (pandas' nanosecond range).
FIRST_YEAR, LAST_YEAR = 1678, 2261
_NOT_A_NUMBER = {"nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity"}
_ISO_YEAR = re.compile(r"^\s*(\d{4})-\d{1,2}-\d{1,2}(?:[ T]|$)")
_DMY_YEAR = re.compile(r"^\s*\d{1,2}[/.]\d{1,2}[/.](\d{4})(?:\s|$)")
_SAMPLE = 500


def _texts(column: pd.Series) -> pd.Series:
    values = column.dropna()
    values = values.iloc[:_SAMPLE] if len(values) > _SAMPLE else values
    return values.astype(str).str.strip()


def non_finite_amounts(table: pd.DataFrame) -> IngestError | None:
    """An error naming the columns whose every value is NaN, infinite or overflows.

    Such a file is told "no amount column", which sends the user looking for the wrong
    problem; this says the numbers themselves are unusable.
    """
    names = []
    for name in table.columns:
        texts = _texts(table[name])
        if texts.empty or not pd.api.types.is_string_dtype(texts):
            continue
        lowered = texts.str.lower()
        tokens = lowered.isin(_NOT_A_NUMBER)
        with np.errstate(over="ignore", invalid="ignore"):
            numbers = pd.to_numeric(
                lowered.str.replace(",", "", regex=False), errors="coerce"
            )
        overflow = numbers.notna() & ~np.isfinite(numbers.to_numpy("float64"))
        if bool((tokens | overflow).all()):
            names.append(str(name))
    if not names:
        return None
    listed = ", ".join(f"'{n}'" for n in names[:5])
    return IngestError(
        f"The column{'s' if len(names) > 1 else ''} {listed} hold{'' if len(names) > 1 else 's'} "
        "no usable numbers: every value is NaN, infinite or too large to store (such as "
        "1e999). Export the data again with the amounts filled in, or check the formulas "
        "that produced them."
    )


def out_of_range_dates(table: pd.DataFrame) -> str | None:
    """A warning naming a column of dates that fall outside the years the dashboard can
    show (such as 0001-01-01 or 9999-12-31 placeholders), or None."""
    for name in table.columns:
        texts = _texts(table[name])
        if texts.empty or not pd.api.types.is_string_dtype(texts):
            continue
        years = texts.str.extract(_ISO_YEAR)[0].fillna(texts.str.extract(_DMY_YEAR)[0])
        if years.notna().mean() < 0.8:
            continue
        numbers = years.dropna().astype(int)
        outside = (numbers < FIRST_YEAR) | (numbers > LAST_YEAR)
        if outside.mean() < 0.5:
            continue
        low, high = int(numbers[outside].min()), int(numbers[outside].max())
        span = f"year {low}" if low == high else f"years {low} to {high}"
        return (
            f"The column '{name}' holds dates, but in {span}, outside the years "
            f"{FIRST_YEAR}–{LAST_YEAR} the dashboard can show (often placeholder dates such "
            "as 0001-01-01 or 9999-12-31), so there is no time axis. Fix the dates in the "
            "export and upload again, or choose another date column."
        )
    return None
