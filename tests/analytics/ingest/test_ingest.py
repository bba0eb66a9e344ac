"""ingest_bytes on clean exports: CSV and XLSX, role detection, derived values, report."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from analytics.errors import IngestError, UnsupportedFileType
from analytics.ingest import columns_signature, ingest_bytes, rebuild
from analytics.schema import CANONICAL_COLUMNS


def clean_frame(rows: int = 120, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    skus = np.array([f"SKU-{i:03d}" for i in range(12)])
    idx = rng.integers(0, len(skus), rows)
    quantity = rng.integers(1, 9, rows)
    price = np.round(4 + idx * 2.25, 2)
    revenue = np.round(quantity * price, 2)
    cost = np.round(revenue * 0.6, 2)
    dates = pd.Timestamp("2023-03-01") + pd.to_timedelta(
        rng.integers(0, 300, rows), unit="D"
    )
    return pd.DataFrame(
        {
            "Date": dates.strftime("%Y-%m-%d"),
            "SKU": skus[idx],
            "Category": np.array(["Tools", "Garden", "Paint"])[idx % 3],
            "Quantity": quantity,
            "Unit Price": price,
            "Revenue": revenue,
            "Cost": cost,
        }
    )


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "Sales") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet, index=False)
    return buffer.getvalue()


@pytest.fixture
def frame() -> pd.DataFrame:
    return clean_frame()


def test_clean_csv_totals_dates_and_mapping(frame):
    result = ingest_bytes(frame.to_csv(index=False).encode(), "sales.csv")
    assert result.frame["revenue"].sum() == pytest.approx(
        frame["Revenue"].sum(), abs=1e-6
    )
    assert result.frame["cost"].sum() == pytest.approx(frame["Cost"].sum(), abs=1e-6)
    assert result.frame["date"].min() == pd.Timestamp(frame["Date"].min())
    assert result.frame["date"].max() == pd.Timestamp(frame["Date"].max())
    assert result.mapping == {
        "date": "Date",
        "revenue": "Revenue",
        "cost": "Cost",
        "profit": None,
        "sku": "SKU",
        "quantity": "Quantity",
        "unit_price": "Unit Price",
        "category": "Category",
        "customer": None,
        "order_id": None,
    }


def test_frame_is_canonical(frame):
    result = ingest_bytes(frame.to_csv(index=False).encode(), "sales.csv")
    assert tuple(result.frame.columns) == CANONICAL_COLUMNS
    assert result.frame["date"].dtype == "datetime64[ns]"
    assert result.frame["source_row"].tolist() == list(range(2, len(frame) + 2))


def test_profit_derived_from_cost(frame):
    result = ingest_bytes(frame.to_csv(index=False).encode(), "sales.csv")
    expected = (frame["Revenue"] - frame["Cost"]).sum()
    assert result.frame["profit"].sum() == pytest.approx(expected, abs=1e-6)
    assert any("Profit is revenue" in s for s in result.report["assumptions"])


def test_cost_derived_from_profit(frame):
    data = frame.drop(columns=["Cost"]).assign(
        Profit=(frame["Revenue"] * 0.25).round(2)
    )
    result = ingest_bytes(data.to_csv(index=False).encode(), "sales.csv")
    assert result.mapping["profit"] == "Profit"
    assert result.frame["cost"].sum() == pytest.approx(
        (data["Revenue"] - data["Profit"]).sum(), abs=1e-6
    )


def test_revenue_from_quantity_times_price(frame):
    data = frame.drop(columns=["Revenue", "Cost"])
    result = ingest_bytes(data.to_csv(index=False).encode(), "sales.csv")
    assert result.mapping["revenue"] is None
    expected = (data["Quantity"] * data["Unit Price"]).sum()
    assert result.frame["revenue"].sum() == pytest.approx(expected, abs=1e-6)


def test_clean_xlsx_matches_csv(frame):
    from_csv = ingest_bytes(frame.to_csv(index=False).encode(), "sales.csv")
    from_xlsx = ingest_bytes(xlsx_bytes(frame), "sales.xlsx")
    assert from_xlsx.mapping == from_csv.mapping
    pd.testing.assert_frame_equal(from_xlsx.frame, from_csv.frame)
    assert from_xlsx.report["read"]["file_type"] == "xlsx"
    assert from_xlsx.report["read"]["sheet"] == "Sales"


def test_report_is_json_serialisable_and_has_keys(frame):
    result = ingest_bytes(frame.to_csv(index=False).encode(), "sales.csv")
    report = json.loads(json.dumps(result.report))
    for key in (
        "read",
        "rows_read",
        "rows_used",
        "set_aside",
        "roles",
        "assumptions",
        "duplicates",
        "negatives",
    ):
        assert key in report
    for key in (
        "file_type",
        "encoding",
        "delimiter",
        "decimal",
        "thousands",
        "date_order",
        "sheet",
        "sheets",
        "header_row",
    ):
        assert key in report["read"]
    assert report["rows_read"] == report["rows_used"] == len(frame)


def test_table_is_parquet_serialisable(frame):
    result = ingest_bytes(xlsx_bytes(frame), "sales.xlsx")
    buffer = io.BytesIO()
    result.table.to_parquet(buffer, index=False)
    back = pd.read_parquet(io.BytesIO(buffer.getvalue()))
    assert list(back.columns) == list(result.table.columns)


def test_rebuild_with_another_mapping(frame):
    result = ingest_bytes(frame.to_csv(index=False).encode(), "sales.csv")
    mapping = {**result.mapping, "revenue": "Cost", "cost": None}
    rebuilt = rebuild(result.table, mapping, read_info=result.report["read"])
    assert rebuilt.frame["revenue"].sum() == pytest.approx(
        frame["Cost"].sum(), abs=1e-6
    )
    assert rebuilt.confidence["revenue"] == 1.0


def test_rebuild_rejects_missing_column(frame):
    result = ingest_bytes(frame.to_csv(index=False).encode(), "sales.csv")
    with pytest.raises(IngestError, match="'Nope' chosen for Revenue"):
        rebuild(result.table, {"revenue": "Nope"}, read_info=result.report["read"])


def test_mapping_with_wrong_type_names_column_and_role(frame):
    with pytest.raises(
        IngestError, match="'SKU' chosen for Revenue does not hold numbers"
    ):
        ingest_bytes(
            frame.to_csv(index=False).encode(), "sales.csv", mapping={"revenue": "SKU"}
        )


def test_columns_signature_ignores_order_and_case():
    assert columns_signature(["Date", "Sales"]) == columns_signature([" sales", "DATE"])
    assert columns_signature(["Date", "Sales"]) != columns_signature(
        ["Date", "Revenue"]
    )


@pytest.mark.parametrize(
    ("data", "name", "error"),
    [
        (b"", "empty.csv", IngestError),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "photo.xlsx", UnsupportedFileType),
    ],
)
def test_unusable_files_raise_clear_errors(data, name, error):
    with pytest.raises(error):
        ingest_bytes(data, name)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_duplicate_rows_match_pandas(seed):
    from analytics.ingest.duplicates import duplicate_rows as _duplicates

    rng = np.random.default_rng(seed)
    n = 500
    table = pd.DataFrame(
        {
            "a": pd.Series(rng.choice(["x", "y", None], n), dtype="str"),
            "b": rng.integers(0, 3, n).astype("float64"),
            "c": pd.Series(rng.choice(["p", "q"], n), dtype="str"),
            "d": pd.to_datetime("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 2, n), unit="D"),
        }
    )
    keep = rng.random(n) > 0.2
    expected = np.zeros(n, dtype=bool)
    expected[np.flatnonzero(keep)] = table.loc[keep].duplicated().to_numpy()
    np.testing.assert_array_equal(_duplicates(table, keep), expected)


@pytest.mark.parametrize("seed", [3, 4, 5, 6])
def test_duplicate_rows_match_pandas_on_every_column_type(seed):
    """The hash pre-pass never drops a true repeat: NaN, -0.0, ints, booleans, nullable
    integers, objects, and enough distinct columns to compress the exact key."""
    from analytics.ingest.duplicates import duplicate_rows as _duplicates

    rng = np.random.default_rng(seed)
    n = 2000
    floats = rng.choice([0.0, -0.0, 1.5, np.nan], n)
    table = pd.DataFrame(
        {
            "f": floats,
            "i": rng.integers(0, 2, n),
            "b": rng.random(n) > 0.5,
            "n": pd.array(rng.choice([1, 2, None], n), dtype="Int64"),
            "o": pd.Series(rng.choice(["u", "v"], n), dtype="object"),
            "s": pd.Series(rng.choice(["x", " x", None], n), dtype="str"),
            "t": pd.to_datetime("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 2, n), unit="D"),
            **{f"wide{k}": rng.integers(0, 3, n).astype("float64") for k in range(3)},
            "big1": rng.integers(0, 10**6, n).astype("float64") % 40,
            "big2": pd.Series(rng.integers(0, 40, n).astype(str), dtype="str"),
        }
    )
    keep = rng.random(n) > 0.1
    expected = np.zeros(n, dtype=bool)
    expected[np.flatnonzero(keep)] = table.loc[keep].duplicated().to_numpy()
    np.testing.assert_array_equal(_duplicates(table, keep), expected)
