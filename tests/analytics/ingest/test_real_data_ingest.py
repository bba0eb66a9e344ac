"""ingest_bytes on the real sample exports in /work/shared/data, against their README figures."""

from __future__ import annotations

from functools import cache
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest

from analytics.ingest import ingest_bytes

DATA_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "data"

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


def read_vinifera_raw() -> pd.DataFrame:
    """The Vinifera lines with plain pandas: the header copy glued to the last line cut off."""
    text = (DATA_DIR / "vinifera_sales.csv").read_bytes().decode("cp1252")
    lines = text.splitlines()
    header = lines[0].rstrip(";")
    last = lines[-1]
    lines[-1] = last[: last.index(header)]
    return pd.read_csv(
        StringIO("\n".join(lines)), sep=";", decimal=",", dtype={"stcpdtappel": "str"}
    )


class TestVinifera:
    name = "vinifera_sales.csv"

    def test_revenue_is_the_line_amount(self):
        raw = read_vinifera_raw()
        result = load(self.name)
        assert result.mapping["revenue"] == "stcmtlig"
        assert cents(result.frame["revenue"].sum()) == 7_590.00
        assert cents(raw["stcmtlig"].sum()) == 7_590.00
        assert len(result.frame) == len(raw) == 117

    def test_dates_products_and_the_glued_header(self):
        raw = read_vinifera_raw()
        result = load(self.name)
        frame = result.frame
        dates = pd.to_datetime(raw["stcdatealliv"], format="%d/%m/%Y")
        assert (frame["date"].min(), frame["date"].max()) == (dates.min(), dates.max())
        assert (f"{dates.min():%Y-%m-%d}", f"{dates.max():%Y-%m-%d}") == (
            "1993-11-15",
            "2004-05-14",
        )
        # the product column chosen: the appellation (8 products in the README)
        assert result.mapping["sku"] == "stcpdtappel"
        assert frame["sku"].nunique() == raw["stcpdtappel"].nunique() == 8
        skus = raw[["stcpdtappel", "stcpdtmilles", "stcpdtuv"]].astype("str")
        assert len(skus.drop_duplicates()) == 43
        assert [e["reason"] for e in result.report["set_aside"]] == [
            "repeated header row"
        ]
        said = " ".join(result.report["assumptions"])
        assert "header row glued" in said
        assert "'stcpdtappel' as produit appellation" in said


class TestZohoProfitAndLoss:
    name = "zoho_books_profit_and_loss.xlsx"

    @staticmethod
    def lines() -> dict[str, float]:
        from openpyxl import load_workbook

        sheet = load_workbook(DATA_DIR / TestZohoProfitAndLoss.name).active
        out: dict[str, float] = {}
        for label, value in sheet.iter_rows(min_row=1, max_col=2, values_only=True):
            if isinstance(label, str) and isinstance(value, (int, float)) and value:
                out[label.strip()] = float(value)
        return out

    def test_totals_recomputed_from_line_items(self):
        lines = self.lines()
        revenue = lines["Sales"]
        cogs = lines["Cost of Goods Sold"]
        expenses = sum(
            v for k, v in lines.items() if k not in ("Sales", "Cost of Goods Sold")
        )
        assert (revenue, cogs, expenses) == (171_000, 2_500, 88_600)
        result = load(self.name)
        frame = result.frame
        assert cents(frame["revenue"].sum()) == revenue
        assert cents(frame["cost"].sum()) == cogs + expenses
        assert cents(frame["profit"].sum()) == 79_900 == revenue - cogs - expenses
        figures = result.report["statement"]["figures"]
        assert figures["gross_profit"] == [168_500.0]
        assert figures["operating_expenses"] == [88_600.0]
        assert figures["cost_of_sales"] == [2_500.0]
        assert any("reads 0" in a for a in result.report["assumptions"])

    def test_period_is_april_2023(self):
        result = load(self.name)
        assert result.frame["date"].tolist() == [pd.Timestamp("2023-04-01")]
        assert result.report["date_range"] == ["2023-04-01", "2023-04-01"]
