"""ingest_bytes on the real sample exports in /work/shared/data, against their README figures."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from analytics.ingest import ingest_bytes

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"

pytestmark = pytest.mark.skipif(
    not DATA_DIR.exists(), reason="real sample files not present"
)


@cache
def load(name: str):
    path = DATA_DIR / name
    if not path.exists():
        pytest.skip(f"{name} not present")
    return ingest_bytes(path.read_bytes(), name)


def cents(value: float) -> float:
    return round(float(value), 2)


def by_year(frame: pd.DataFrame) -> dict[int, float]:
    return {
        int(y): cents(v)
        for y, v in frame.groupby(frame["date"].dt.year)["revenue"].sum().items()
    }


class TestSuperstore:
    name = "superstore_classic_cp1252.csv"

    def test_totals(self):
        frame = load(self.name).frame
        assert cents(frame["revenue"].sum()) == 2_297_200.86
        assert cents(frame["profit"].sum()) == 286_397.02
        assert frame["quantity"].sum() == 37_873
        assert len(frame) == 9_994

    def test_mapping_and_encoding(self):
        result = load(self.name)
        assert result.mapping["sku"] == "Product ID"
        assert result.mapping["revenue"] == "Sales"
        assert result.mapping["date"] == "Order Date"
        assert result.report["read"]["encoding"] == "cp1252"
        assert result.report["read"]["date_order"] == "MDY"

    def test_skus_dates_years_top(self):
        frame = load(self.name).frame
        assert frame["sku"].nunique() == 1_862
        assert (frame["date"].min(), frame["date"].max()) == (
            pd.Timestamp("2014-01-03"),
            pd.Timestamp("2017-12-30"),
        )
        assert by_year(frame) == {
            2014: 484_247.50,
            2015: 470_532.51,
            2016: 609_205.60,
            2017: 733_215.26,
        }
        top = frame.groupby("sku")["revenue"].sum().sort_values(ascending=False)
        assert (top.index[0], cents(top.iloc[0])) == ("TEC-CO-10004722", 61_599.82)

    def test_negative_profit_is_counted(self):
        assert load(self.name).report["negatives"]["negative_profit"] > 0


class TestOnlineRetail:
    name = "online_retail_uci_sample.csv"

    def test_net_revenue_from_quantity_times_price(self):
        result = load(self.name)
        assert result.mapping["revenue"] is None
        assert (result.mapping["quantity"], result.mapping["unit_price"]) == (
            "Quantity",
            "UnitPrice",
        )
        assert cents(result.frame["revenue"].sum()) == 37_503.25
        assert len(result.frame) == 2_709

    def test_cancellations_kept_and_counted(self):
        result = load(self.name)
        invoices = result.table["InvoiceNo"]
        cancelled = invoices.str.startswith("C").to_numpy()
        assert cents(result.frame.loc[~cancelled, "revenue"].sum()) == 48_353.14
        negatives = result.report["negatives"]
        # 50 cancelled invoices; 7 more lines have a negative quantity and no amount
        assert negatives["returns_or_cancellations"] == int(cancelled.sum()) == 50
        assert negatives["stock_adjustments"] == 7
        assert negatives["negative_quantity"] == 57
        assert any(
            "Kept 50 return/cancellation line(s)" in a
            for a in result.report["assumptions"]
        )
        assert any(
            a.startswith("7 line(s) have a negative quantity and no amount")
            for a in result.report["assumptions"]
        )

    def test_skus_dates_month_and_top(self):
        result = load(self.name)
        frame = result.frame
        assert result.mapping["sku"] == "StockCode"
        assert frame["sku"].nunique() == 1_395
        assert frame["date"].min().strftime("%Y-%m-%d") == "2010-12-01"
        assert frame["date"].max().strftime("%Y-%m-%d") == "2011-12-09"
        november = frame[frame["date"].dt.strftime("%Y-%m") == "2011-11"][
            "revenue"
        ].sum()
        assert cents(november) == -3_248.07
        top = frame.groupby("sku")["revenue"].sum().sort_values(ascending=False)
        assert (top.index[0], cents(top.iloc[0])) == ("22423", 1_309.50)

    def test_index_column_ignored(self):
        result = load(self.name)
        assert result.table.columns[0] == "InvoiceNo"


class TestWalmart:
    name = "walmart_weekly_45stores.csv"

    def test_weekly_sales_is_revenue(self):
        result = load(self.name)
        assert result.mapping["revenue"] == "Weekly_Sales"
        for column in ("CPI", "Temperature", "Fuel_Price", "Store", "Unemployment"):
            assert column not in result.mapping.values()
        assert cents(result.frame["revenue"].sum()) == 6_737_218_987.11

    def test_day_first_weeks_and_years(self):
        result = load(self.name)
        frame = result.frame
        assert result.report["read"]["date_order"] == "DMY"
        assert frame["date"].nunique() == 143
        assert (frame["date"].min(), frame["date"].max()) == (
            pd.Timestamp("2010-02-05"),
            pd.Timestamp("2012-10-26"),
        )
        assert (frame["date"].dt.day_of_week == 4).all()
        assert by_year(frame) == {
            2010: 2_288_886_120.41,
            2011: 2_448_200_007.35,
            2012: 2_000_132_859.35,
        }
        assert len(frame) == 6_435


class TestProphetRetail:
    name = "prophet_example_retail_sales.csv"

    def test_ds_and_y(self):
        result = load(self.name)
        assert (result.mapping["date"], result.mapping["revenue"]) == ("ds", "y")
        frame = result.frame
        assert frame["revenue"].sum() == 90_528_594
        assert (frame["date"].min(), frame["date"].max()) == (
            pd.Timestamp("1992-01-01"),
            pd.Timestamp("2016-05-01"),
        )
        peak = frame.loc[frame["revenue"].idxmax()]
        assert (peak["revenue"], peak["date"]) == (518_253, pd.Timestamp("2015-12-01"))
        assert len(frame) == 293


class TestFinancialSample:
    name = "ms_financial_sample.xlsx"

    def test_sales_cogs_profit(self):
        result = load(self.name)
        assert result.mapping["revenue"] == "Sales"
        assert result.mapping["cost"] == "COGS"
        assert result.mapping["profit"] == "Profit"
        frame = result.frame
        assert cents(frame["revenue"].sum()) == 118_726_350.26
        assert cents(frame["cost"].sum()) == 101_832_648.00
        assert cents(frame["profit"].sum()) == 16_893_702.26
        assert len(frame) == 700

    def test_net_over_gross_is_explained(self):
        assert any(
            "rather than 'Gross Sales'" in s
            for s in load(self.name).report["assumptions"]
        )

    def test_products_and_months(self):
        frame = load(self.name).frame
        assert load(self.name).mapping["sku"] == "Product"
        assert frame["sku"].nunique() == 6
        assert frame["date"].min().strftime("%Y-%m") == "2013-09"
        assert frame["date"].max().strftime("%Y-%m") == "2014-12"
        best = frame.groupby("sku")["profit"].sum().sort_values(ascending=False)
        assert (best.index[0], cents(best.iloc[0])) == ("Paseo", 4_797_437.95)
