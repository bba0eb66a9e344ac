"""The dataset model: every column's kind and unit, and the dimensions and measures the
canonical frame keeps (checked through ingestion, as an upload meets them)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from analytics.dataset_model import (
    MAX_DIMENSION_VALUES,
    MAX_DIMENSIONS,
    DatasetModel,
    extend_frame,
    match_key,
)
from analytics.ingest import ingest_bytes

ROWS = 600


def _csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


@pytest.fixture(scope="module")
def lines() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    order = np.sort(rng.integers(1000, 1000 + ROWS // 3, ROWS))
    return pd.DataFrame(
        {
            "Line": np.arange(1, ROWS + 1),
            "Invoice": np.char.add("INV-", order.astype(str)),
            "Date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365, ROWS), unit="D"),
            "Channel": rng.choice(["Web", "Store", "Marketplace"], ROWS),
            "Store": rng.integers(1, 12, ROWS),
            "Payment Method": rng.choice(["Card", "Cash", "Voucher", "Transfer"], ROWS),
            "Rep": rng.choice(["Ann", "Bob", "Chen", "Dana", "Eve"], ROWS),
            "Town": rng.choice([f"Town {i}" for i in range(40)], ROWS),
            "Province": rng.choice(["Ontario", "Québec", "Alberta"], ROWS),
            "Country": rng.choice(["Canada", "United States"], ROWS),
            "Client Code": np.char.add("C", rng.integers(0, 5000, ROWS).astype(str)),
            "Comment": [
                f"customer asked about parcel {i} on the phone" for i in range(ROWS)
            ],
            "Amount": np.round(rng.uniform(5, 500, ROWS), 2),
            "Units": rng.integers(1, 8, ROWS),
            "Discount": rng.choice([0.0, 0.05, 0.1, 0.25], ROWS),
            "Tax %": rng.choice(["5%", "13%", "15%"], ROWS),
            "Shipping": np.round(rng.uniform(0, 20, ROWS), 2),
            "Temperature": np.round(rng.uniform(-10, 30, ROWS), 1),
        }
    )


@pytest.fixture(scope="module")
def result(lines):
    return ingest_bytes(_csv(lines), "lines.csv")


def _kinds(result) -> dict[str, tuple]:
    return {c["name"]: (c["kind"], c["unit"]) for c in result.report["columns"]}


def test_every_column_gets_a_kind(result, lines):
    kinds = _kinds(result)
    assert list(kinds) == list(lines.columns)
    for name in (
        "Channel",
        "Store",
        "Payment Method",
        "Rep",
        "Town",
        "Province",
        "Country",
    ):
        assert kinds[name] == ("dimension", None), name
    assert kinds["Line"][0] == "identifier"
    assert kinds["Invoice"][0] == "identifier"
    assert kinds["Client Code"][0] == "identifier"
    assert kinds["Comment"][0] == "text"
    assert kinds["Date"][0] == "date"
    assert kinds["Discount"] == ("measure", "ratio")
    assert kinds["Tax %"] == ("measure", "ratio")
    assert kinds["Shipping"] == ("measure", "money")
    assert kinds["Amount"] == ("measure", "money")
    assert kinds["Units"] == ("measure", "count")
    assert kinds["Temperature"] == ("measure", "number")


def test_mapped_columns_carry_their_role(result):
    by_name = {c["name"]: c for c in result.report["columns"]}
    assert by_name["Amount"]["role"] == "revenue"
    assert by_name["Invoice"]["role"] == "order_id"
    assert by_name["Invoice"]["field"] == "order_id"
    assert by_name["Discount"]["aggregation"] == "weighted_mean"
    assert by_name["Temperature"]["aggregation"] == "mean"


def test_frame_keeps_dimensions_measures_and_order_id(result, lines):
    frame = result.frame
    model = DatasetModel.from_list(result.report["columns"])
    assert len(frame) == len(lines)
    for name in ("Channel", "Payment Method", "Town", "Province", "Country", "Store"):
        field = model.find(name).field  # Channel is mapped to the category role
        assert frame[field].astype(str).tolist() == lines[name].astype(str).tolist()
    assert frame["Discount"].dtype == "float64"
    assert np.allclose(frame["Discount"], lines["Discount"])
    # "13%" is kept as the fraction 0.13
    expected_tax = lines["Tax %"].str.rstrip("%").astype(float) / 100
    assert np.allclose(frame["Tax %"], expected_tax)
    assert frame["order_id"].tolist() == lines["Invoice"].tolist()
    # identifiers and free text stay out of the frame
    for name in ("Client Code", "Comment", "Line"):
        assert name not in frame


def test_frame_keeps_only_the_rows_used(lines):
    data = lines.copy()
    data.loc[[3, 10], "Amount"] = np.nan  # set aside: no revenue
    result = ingest_bytes(_csv(data), "lines.csv")
    kept = data.drop(index=[3, 10]).reset_index(drop=True)
    assert len(result.frame) == len(kept)
    assert result.frame["Town"].astype(str).tolist() == kept["Town"].tolist()
    assert np.allclose(result.frame["Shipping"], kept["Shipping"])


def test_header_clashing_with_a_canonical_column_is_renamed():
    frame = pd.DataFrame(
        {
            "Date": ["2024-01-01", "2024-01-02"] * 20,
            "Sales": np.arange(40, dtype=float) + 1,
            "customer": ["Ann", "Bob"] * 20,
            "Client": ["A1", "B2"] * 20,
        }
    )
    result = ingest_bytes(_csv(frame), "sales.csv")
    by_name = {c["name"]: c for c in result.report["columns"]}
    assert result.mapping["customer"] == "Client"
    assert by_name["customer"]["field"] == "customer (file)"
    assert (
        result.frame["customer (file)"].astype(str).tolist()
        == frame["customer"].tolist()
    )
    assert result.frame["customer"].tolist() == frame["Client"].tolist()


def test_caps_on_dimensions_and_values():
    rng = np.random.default_rng(5)
    n = 3000
    data = {}
    for i in range(MAX_DIMENSIONS + 3):
        data[f"Group {i}"] = rng.choice(["North side", "South side", "East side"], n)
    data["Town"] = [f"Town {i}" for i in rng.integers(0, MAX_DIMENSION_VALUES + 500, n)]
    table = pd.DataFrame({k: pd.Series(v, dtype="str") for k, v in data.items()})
    frame = pd.DataFrame({"revenue": np.ones(n)})
    keep = np.ones(n, dtype=bool)
    extended, model = extend_frame(frame, table, {}, keep)
    kept = [c.name for c in model.dimensions]
    assert kept == [f"Group {i}" for i in range(MAX_DIMENSIONS)]
    assert f"Group {MAX_DIMENSIONS}" not in extended
    assert "Town" not in extended
    town = next(c for c in model.columns if c.name == "Town")
    assert town.kind == "text"
    assert extended["Group 0"].astype(str).tolist() == list(data["Group 0"])


def test_model_round_trips_and_finds_columns(result):
    model = DatasetModel.from_list(result.report["columns"])
    assert DatasetModel.from_list(model.to_list()) == model
    assert model.find("payment method").name == "Payment Method"
    assert model.find("PROVINCE").field == "Province"
    assert model.find("order id").role == "order_id"
    assert model.find("Comment") is None  # not kept
    assert match_key("Québec ") == match_key("quebec")


def test_a_corrected_mapping_rebuilds_the_model(result):
    from analytics.ingest import rebuild

    mapping = {**result.mapping, "category": None, "order_id": None}
    rebuilt = rebuild(result.table, mapping, read_info=result.report["read"])
    by_name = {c["name"]: c for c in rebuilt.report["columns"]}
    # Channel is no longer the category: it is kept as a dimension of its own
    assert by_name["Channel"]["role"] is None
    assert by_name["Channel"]["field"] == "Channel"
    assert (
        rebuilt.frame["Channel"].astype(str).tolist()
        == result.table["Channel"].tolist()
    )
    assert rebuilt.frame["order_id"].isna().all()
    assert by_name["Invoice"]["kind"] == "identifier"
    assert by_name["Invoice"]["field"] is None
