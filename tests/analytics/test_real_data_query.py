"""Questions about any column of the real sample files, answered by the query engine
after ingestion, against figures computed here with plain pandas.

Skipped when the shared data folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics.dataset_model import DatasetModel
from analytics.ingest import ingest_bytes
from analytics.metrics import kpis
from analytics.query import run, spec_from_json

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"

pytestmark = pytest.mark.skipif(
    not DATA_DIR.exists(), reason="real sample files (shared/data) are not available"
)


def ingested(name: str):
    result = ingest_bytes((DATA_DIR / name).read_bytes(), name)
    return result.frame, DatasetModel.from_list(result.report["columns"])


def ask(dataset, **spec):
    frame, model = dataset
    return run(frame, spec_from_json(spec), model)


def by(result, key):
    return {row[key]: row for row in result.rows}


@pytest.fixture(scope="module")
def superstore_raw() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "superstore_classic_cp1252.csv", encoding="cp1252")


@pytest.fixture(scope="module")
def superstore():
    return ingested("superstore_classic_cp1252.csv")


def test_superstore_sales_in_the_united_states_by_region(superstore, superstore_raw):
    result = ask(
        superstore,
        measures=["revenue", "profit", "margin", "orders"],
        group_by=["Region"],
        filters=[{"column": "Country", "values": ["united states"]}],
    )
    rows = superstore_raw[superstore_raw["Country"] == "United States"]
    expected = rows.groupby("Region").agg(
        sales=("Sales", "sum"), profit=("Profit", "sum"), orders=("Order ID", "nunique")
    )
    got = by(result, "Region")
    assert set(got) == set(expected.index)
    for region, figures in expected.iterrows():
        assert got[region]["revenue"] == pytest.approx(figures["sales"], abs=0.01)
        assert got[region]["profit"] == pytest.approx(figures["profit"], abs=0.01)
        assert got[region]["margin"] == pytest.approx(
            figures["profit"] / figures["sales"], abs=1e-6
        )
        assert got[region]["orders"] == figures["orders"]
    top = max(expected.index, key=lambda r: expected.loc[r, "profit"])
    most_profit = ask(superstore, measures=["profit"], group_by=["Region"], limit=1)
    assert most_profit.rows[0]["Region"] == top


def test_superstore_orders_aov_and_customers(superstore, superstore_raw):
    orders = superstore_raw["Order ID"].nunique()
    per_customer = superstore_raw.groupby("Customer ID")["Order ID"].nunique()
    result = ask(
        superstore,
        measures=["orders", "aov", "customers", "repeat_customers", "transactions"],
    )
    row = result.rows[0]
    assert orders == 5009
    assert row["orders"] == orders
    assert row["transactions"] == len(superstore_raw) == 9994
    assert row["aov"] == pytest.approx(superstore_raw["Sales"].sum() / orders, abs=0.01)
    assert row["customers"] == superstore_raw["Customer ID"].nunique()
    assert row["repeat_customers"] == int((per_customer > 1).sum())
    figures = kpis(superstore[0])
    assert figures["orders"] == orders
    assert figures["transactions"] == 9994
    assert figures["avg_order_value"] == pytest.approx(row["aov"], abs=0.01)


def test_superstore_discount_is_revenue_weighted(superstore, superstore_raw):
    result = ask(superstore, measures=["Discount"], group_by=["Category"])
    for category, rows in superstore_raw.groupby("Category"):
        weighted = (rows["Discount"] * rows["Sales"]).sum() / rows["Sales"].sum()
        assert by(result, "Category")[category]["Discount"] == pytest.approx(
            weighted, abs=1e-6
        )


def test_superstore_state_filter_sub_category_and_month_of_year(
    superstore, superstore_raw
):
    result = ask(
        superstore,
        measures=["revenue", "share"],
        group_by=["Sub-Category"],
        filters=[{"column": "State", "values": ["california"]}],
        limit=3,
    )
    rows = superstore_raw[superstore_raw["State"] == "California"]
    expected = rows.groupby("Sub-Category")["Sales"].sum().sort_values(ascending=False)
    assert [r["Sub-Category"] for r in result.rows] == list(expected.index[:3])
    for name, value in expected.head(3).items():
        assert by(result, "Sub-Category")[name]["share"] == pytest.approx(
            value / rows["Sales"].sum(), abs=1e-6
        )
    months = ask(superstore, measures=["revenue"], group_by=["month_of_year"])
    dates = pd.to_datetime(superstore_raw["Order Date"], format="%m/%d/%Y")
    november = superstore_raw.loc[dates.dt.month == 11, "Sales"].sum()
    assert by(months, "month_of_year")["November"]["revenue"] == pytest.approx(
        november, abs=0.01
    )
    yearly = ask(
        superstore,
        measures=["revenue"],
        date_range={"start": "2017-01-01", "end": "2017-12-31"},
        compare="year_ago",
    )
    # README figures: 2017 733,215.26 and 2016 609,205.60
    assert yearly.totals["revenue"] == pytest.approx(733_215.26, abs=0.01)
    assert yearly.totals["revenue_previous"] == pytest.approx(609_205.60, abs=0.01)


def test_walmart_sales_by_store_and_holiday_weeks():
    raw = pd.read_csv(DATA_DIR / "walmart_weekly_45stores.csv")
    dataset = ingested("walmart_weekly_45stores.csv")
    stores = ask(dataset, measures=["revenue"], group_by=["Store"], limit=5)
    expected = raw.groupby("Store")["Weekly_Sales"].sum().sort_values(ascending=False)
    assert [r["Store"] for r in stores.rows] == [str(s) for s in expected.index[:5]]
    assert stores.rows[0]["revenue"] == pytest.approx(expected.iloc[0], abs=0.01)
    assert stores.groups == 45
    holiday = ask(
        dataset,
        measures=["revenue", "Temperature"],
        filters=[{"column": "Holiday_Flag", "values": ["1"]}],
    )
    rows = raw[raw["Holiday_Flag"] == 1]
    assert holiday.totals["revenue"] == pytest.approx(
        rows["Weekly_Sales"].sum(), abs=0.01
    )
    # a temperature is averaged, never added up
    assert holiday.totals["Temperature"] == pytest.approx(
        rows["Temperature"].mean(), abs=1e-6
    )


def test_online_retail_revenue_by_country_and_orders():
    raw = pd.read_csv(DATA_DIR / "online_retail_uci_sample.csv")
    raw["amount"] = raw["Quantity"] * raw["UnitPrice"]
    dataset = ingested("online_retail_uci_sample.csv")
    result = ask(dataset, measures=["revenue", "orders"], group_by=["Country"], limit=3)
    expected = raw.groupby("Country")["amount"].sum().sort_values(ascending=False)
    assert [r["Country"] for r in result.rows] == list(expected.index[:3])
    for country, value in expected.head(3).items():
        paid = raw[(raw["Country"] == country) & (raw["amount"] > 0)]
        assert by(result, "Country")[country]["revenue"] == pytest.approx(
            value, abs=0.01
        )
        assert by(result, "Country")[country]["orders"] == paid["InvoiceNo"].nunique()
    total = ask(dataset, measures=["revenue", "orders"])
    assert total.totals["revenue"] == pytest.approx(
        37_503.25, abs=0.01
    )  # README figure
    assert total.totals["orders"] == raw.loc[raw["amount"] > 0, "InvoiceNo"].nunique()
