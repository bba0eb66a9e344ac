"""Several files, one dataset, on the real exports of ../shared/data: a real file split
into pieces (by year, by month, overlapping) adds up to the README figures of the whole
file to the cent, with exact overlap counts; two different real exports are combined,
and two that cannot be are refused with the reason."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from analytics.errors import IngestError
from analytics.ingest import ingest_bytes
from analytics.ingest.combine import SOURCE_FILE, Part, combine

DATA_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "data"

pytestmark = pytest.mark.skipif(
    not DATA_DIR.exists(), reason="real sample files not present"
)

SUPERSTORE = "superstore_classic_cp1252.csv"
RETAIL = "online_retail_uci_sample.csv"


@cache
def raw(name: str) -> pd.DataFrame:
    """The file's cells as text, exactly as written (nothing parsed)."""
    path = DATA_DIR / name
    if not path.exists():
        pytest.skip(f"{name} not present")
    encoding = "cp1252" if "cp1252" in name else "utf-8"
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def piece(name: str, frame: pd.DataFrame, source: str) -> Part:
    """``frame`` written back as its source file was (same encoding), then ingested."""
    encoding = "cp1252" if "cp1252" in source else "utf-8"
    data = frame.to_csv(index=False).encode(encoding)
    return Part(name, ingest_bytes(data, name))


def whole(name: str) -> Part:
    return Part(name, ingest_bytes((DATA_DIR / name).read_bytes(), name))


def cents(value: float) -> float:
    return round(float(value), 2)


def superstore_years() -> pd.Series:
    return raw(SUPERSTORE)["Order Date"].str[-4:]


def test_superstore_split_by_year_adds_up_to_the_readme_figures():
    table, year = raw(SUPERSTORE), superstore_years()
    parts = [
        piece(f"superstore-{y}.csv", table[year == y], SUPERSTORE)
        for y in ("2014", "2015", "2016", "2017")
    ]
    result = combine(parts)
    frame = result.frame
    assert len(frame) == 9994
    assert cents(frame["revenue"].sum()) == 2_297_200.86
    assert cents(frame["profit"].sum()) == 286_397.02
    assert frame["quantity"].sum() == 37_873
    assert frame["sku"].nunique() == 1862
    by_file = frame.groupby(SOURCE_FILE, observed=True)["revenue"].sum()
    assert [cents(v) for v in by_file] == [
        484_247.50,
        470_532.51,
        609_205.60,
        733_215.26,
    ]
    assert result.report["date_range"] == ["2014-01-03", "2017-12-30"]
    assert result.report["overlaps"]["count"] == 0


def test_superstore_overlapping_exports_are_counted_once_with_exact_counts():
    table, year = raw(SUPERSTORE), superstore_years()
    spans = (("2014", "2015"), ("2015", "2016"), ("2016", "2017"))
    parts = [
        piece(f"superstore-{a}-{b}.csv", table[(year >= a) & (year <= b)], SUPERSTORE)
        for a, b in spans
    ]
    result = combine(parts)
    counts = year.value_counts()
    assert [f["overlap"] for f in result.report["files"]] == [
        0,
        counts["2015"],
        counts["2016"],
    ]
    assert len(result.frame) == 9994
    assert cents(result.frame["revenue"].sum()) == 2_297_200.86
    assert cents(result.frame["profit"].sum()) == 286_397.02


def test_online_retail_split_by_month_adds_up_to_the_readme_figures():
    table = raw(RETAIL)
    stamp = pd.to_datetime(table["InvoiceDate"], format="%m/%d/%Y %H:%M")
    month = stamp.dt.strftime("%Y-%m")
    parts = [
        piece(f"retail-{m}.csv", table[month == m], RETAIL)
        for m in sorted(month.unique())
    ]
    assert len(parts) == 13
    result = combine(parts)
    single = whole(RETAIL).result.frame
    assert len(result.frame) == len(single)
    assert cents(result.frame["revenue"].sum()) == 37_503.25
    assert result.frame["sku"].nunique() == 1395
    november = result.frame[result.frame["date"].dt.strftime("%Y-%m") == "2011-11"]
    assert cents(november["revenue"].sum()) == -3_248.07
    assert result.report["date_range"] == ["2010-12-01", "2011-12-09"]


def test_two_different_payment_exports_are_combined():
    """PayPal activity (USD 70,660.80) and an Adyen settlement batch (USD 55,735.80):
    different columns, each mapped on its own to the same roles."""
    paypal, adyen = (
        whole("paypal_activity_en.csv"),
        whole("adyen_settlement_detail_batch380.csv"),
    )
    result = combine([paypal, adyen])
    by_file = result.frame.groupby(SOURCE_FILE, observed=True)["revenue"].sum()
    assert cents(by_file["paypal_activity_en.csv"]) == 70_660.80
    assert cents(by_file["adyen_settlement_detail_batch380.csv"]) == 55_735.80
    assert cents(result.frame["revenue"].sum()) == 126_396.60
    assert result.report["currency"] == "USD"
    assert result.report["overlaps"]["count"] == 0
    report = result.report
    assert report["rows_read"] == report["rows_used"] + report["joined"] + sum(
        e["count"] for e in report["set_aside"]
    )


def test_superstore_and_online_retail_are_refused_with_the_reason():
    with pytest.raises(IngestError) as error:
        combine([whole(SUPERSTORE), whole(RETAIL)])
    message = str(error.value)
    assert "has cost or profit figures" in message
    assert f"“{RETAIL}” has none" in message
