"""Metrics and SKU scores on the real sample files against their published figures.

Skipped when the shared data folder is absent. Canonical frames are built here directly
with pandas (not through ingestion), so these tests check the metrics alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics.metrics import (
    breakdown,
    filter_frame,
    kpi_cards,
    kpis,
    loss_making_skus,
    margin_series,
    monthly_sku_scores,
    seasonality,
    sku_scores,
    timeseries,
    top_bottom_skus,
)
from analytics.schema import conform_canonical
from tests.sku_reference import assert_same_ranking, reference_scores

DATA_DIR = Path(__file__).resolve().parents[4] / "shared" / "data"

pytestmark = pytest.mark.skipif(
    not DATA_DIR.exists(), reason="real sample files (shared/data) are not available"
)


@pytest.fixture(scope="module")
def superstore() -> pd.DataFrame:
    raw = pd.read_csv(DATA_DIR / "superstore_classic_cp1252.csv", encoding="cp1252")
    return conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(raw["Order Date"], format="%m/%d/%Y"),
                "revenue": raw["Sales"],
                "cost": raw["Sales"] - raw["Profit"],
                "profit": raw["Profit"],
                "quantity": raw["Quantity"],
                "sku": raw["Product ID"],
                "category": raw["Category"],
                "customer": raw["Customer ID"],
            }
        )
    )


@pytest.fixture(scope="module")
def financial() -> pd.DataFrame:
    raw = pd.read_excel(DATA_DIR / "ms_financial_sample.xlsx", engine="openpyxl")
    return conform_canonical(
        pd.DataFrame(
            {
                "date": raw["Date"],
                "revenue": raw[" Sales"],
                "cost": raw["COGS"],
                "profit": raw["Profit"],
                "quantity": raw["Units Sold"],
                "sku": raw["Product"].str.strip(),
                "category": raw["Segment"],
            }
        )
    )


@pytest.fixture(scope="module")
def online_retail() -> pd.DataFrame:
    raw = pd.read_csv(
        DATA_DIR / "online_retail_uci_sample.csv", dtype={"StockCode": "str"}
    )
    return conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(raw["InvoiceDate"], format="%m/%d/%Y %H:%M"),
                "revenue": raw["Quantity"] * raw["UnitPrice"],
                "quantity": raw["Quantity"],
                "unit_price": raw["UnitPrice"],
                "sku": raw["StockCode"],
            }
        )
    )


@pytest.fixture(scope="module")
def walmart() -> pd.DataFrame:
    raw = pd.read_csv(DATA_DIR / "walmart_weekly_45stores.csv")
    return conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(raw["Date"], format="%d/%m/%y"),
                "revenue": raw["Weekly_Sales"],
                "sku": raw["Store"].astype("str"),
            }
        )
    )


@pytest.fixture(scope="module")
def retail_sales() -> pd.DataFrame:
    raw = pd.read_csv(DATA_DIR / "prophet_example_retail_sales.csv")
    return conform_canonical(
        pd.DataFrame({"date": pd.to_datetime(raw["ds"]), "revenue": raw["y"]})
    )


def plain_scores(df: pd.DataFrame) -> list[dict]:
    """The documented SKU score, from the plain-Python reference of the README."""
    rows = df[df["sku"].notna()]
    return reference_scores(
        zip(rows["sku"].tolist(), rows["revenue"].tolist(), strict=True)
    )


# ---- Superstore ------------------------------------------------------------------------------


def test_superstore_headline_figures(superstore):
    figures = kpis(superstore)
    assert figures["total_revenue"] == pytest.approx(2_297_200.86, abs=0.01)
    assert figures["total_profit"] == pytest.approx(286_397.02, abs=0.01)
    assert figures["transactions"] == 9_994
    assert figures["sku_count"] == 1_862
    assert (figures["date_start"], figures["date_end"]) == ("2014-01-03", "2017-12-30")


@pytest.mark.parametrize(
    ("year", "sales", "previous"),
    [
        (2014, 484_247.50, None),
        (2015, 470_532.51, 484_247.50),
        (2016, 609_205.60, 470_532.51),
        (2017, 733_215.26, 609_205.60),
    ],
)
def test_superstore_sales_by_year_compare_with_the_year_before(
    superstore, year, sales, previous
):
    start, end = f"{year}-01-01", f"{year}-12-31"
    cards = kpi_cards(
        superstore, filter_frame(superstore, start=start, end=end), start=start, end=end
    )
    assert cards["total_revenue"]["value"] == pytest.approx(sales, abs=0.01)
    if previous is None:
        assert cards["total_revenue"]["previous"] is None
    else:
        assert cards["total_revenue"]["previous"] == pytest.approx(previous, abs=0.01)
        assert cards["total_revenue"]["change"] == pytest.approx(
            sales / previous - 1, abs=1e-6
        )


def test_superstore_year_on_year_growth_over_the_whole_history(superstore):
    yoy = kpi_cards(superstore, superstore)["growth"]["yoy"]
    assert yoy["period"] == "2017-01..2017-12"
    assert yoy["revenue"]["value"] == pytest.approx(733_215.26, abs=0.01)
    assert yoy["revenue"]["previous"] == pytest.approx(609_205.60, abs=0.01)


def test_superstore_top_sku(superstore):
    top, _ = top_bottom_skus(superstore, n=1)
    assert top["sku"].tolist() == ["TEC-CO-10004722"]
    assert top["revenue"].iloc[0] == pytest.approx(61_599.82, abs=0.01)


def test_superstore_categories_add_up(superstore):
    categories = breakdown(superstore, by="category")
    assert categories["category"].tolist() == [
        "Technology",
        "Furniture",
        "Office Supplies",
    ]
    assert categories["revenue"].sum() == pytest.approx(2_297_200.86, abs=0.01)
    assert categories["profit"].sum() == pytest.approx(286_397.02, abs=0.01)


def test_superstore_loss_makers_match_exact_decimal_sums(superstore):
    """Profits added exactly (decimal, as written in the file): 299 SKUs lose money; a
    float groupby says 301, two of them being lines that cancel to -2e-15."""
    from decimal import Decimal

    exact: dict[str, Decimal] = {}
    for sku, profit in zip(superstore["sku"], superstore["profit"], strict=True):
        exact[sku] = exact.get(sku, Decimal(0)) + Decimal(repr(float(profit)))
    losers = {sku for sku, total in exact.items() if total < 0}
    assert len(losers) == 299
    assert set(loss_making_skus(superstore)["sku"]) == losers


def test_superstore_is_daily_so_it_has_a_weekday_profile(superstore):
    profile = seasonality(superstore)
    assert profile["weekday"] is not None
    assert profile["weekday"]["revenue"].sum() == pytest.approx(2_297_200.86, abs=0.01)
    assert profile["month"]["periods"].tolist() == [4] * 12


def test_superstore_sku_ranks_match_a_plain_implementation(superstore):
    assert_same_ranking(
        sku_scores(superstore).to_dict("records"), plain_scores(superstore)
    )


def test_superstore_top_of_the_ranking_sells_repeatedly(superstore):
    # The most expensive line, a single sale at a loss, topped the min-max ranking.
    scores = sku_scores(superstore).set_index("sku")
    one_off = superstore.loc[superstore["sku"] == "TEC-MA-10002412"]
    assert len(one_off) == 1 and one_off["profit"].iloc[0] < 0
    assert scores.loc["TEC-MA-10002412", "rank"] > 1000
    assert (scores["transactions"].head(20) >= 3).all()
    assert not scores["few_sales"].head(20).any()


def test_superstore_monthly_scores_follow_the_formula_within_each_month(superstore):
    monthly = monthly_sku_scores(superstore)
    months = superstore["date"].dt.to_period("M").dt.start_time
    for month, rows in superstore.groupby(months):
        want = plain_scores(rows)
        got = monthly.loc[monthly["month"] == month]
        assert got["sku"].tolist() == [row["sku"] for row in want], month
        np.testing.assert_allclose(
            got["score"], [row["score"] for row in want], atol=0.01
        )


def test_superstore_monthly_scores_cover_every_month(superstore):
    monthly = monthly_sku_scores(superstore)
    assert monthly["month"].nunique() == 48
    assert (monthly.groupby("month")["rank"].min() == 1).all()
    assert monthly["transactions"].sum() == 9_994


# ---- Financial Sample (monthly rows) -------------------------------------------------------------


def test_financial_sample_totals(financial):
    figures = kpis(financial)
    assert figures["total_revenue"] == pytest.approx(118_726_350.26, abs=0.01)
    assert figures["total_cost"] == pytest.approx(101_832_648.00, abs=0.01)
    assert figures["total_profit"] == pytest.approx(16_893_702.26, abs=0.01)
    assert figures["transactions"] == 700


def test_financial_sample_top_profit_product(financial):
    top, _ = top_bottom_skus(financial, n=1, by="profit")
    assert top["sku"].tolist() == ["Paseo"]
    assert top["profit"].iloc[0] == pytest.approx(4_797_437.95, abs=0.01)


def test_financial_sample_is_monthly(financial):
    assert seasonality(financial)["weekday"] is None
    mom = kpi_cards(financial, financial)["growth"]["mom"]
    assert (mom["period"], mom["previous_period"]) == ("2014-12", "2014-11")
    assert margin_series(financial, "month")["period"].dt.strftime(
        "%Y-%m"
    ).tolist() == [
        p.strftime("%Y-%m")
        for p in pd.date_range("2013-09-01", "2014-12-01", freq="MS")
    ]


def test_financial_sample_sku_ranks_match_a_plain_implementation(financial):
    assert_same_ranking(
        sku_scores(financial).to_dict("records"), plain_scores(financial)
    )


# ---- Online Retail (returns, timestamps) --------------------------------------------------------------


def test_online_retail_net_revenue_and_skus(online_retail):
    figures = kpis(online_retail)
    assert figures["total_revenue"] == pytest.approx(37_503.25, abs=0.01)
    assert figures["sku_count"] == 1_395
    assert (figures["date_start"], figures["date_end"]) == ("2010-12-01", "2011-12-09")


def test_online_retail_november_is_negative(online_retail):
    _, series = timeseries(online_retail, "month")
    november = series.loc[series["period"] == pd.Timestamp("2011-11-01"), "revenue"]
    assert november.iloc[0] == pytest.approx(-3_248.07, abs=0.01)


def test_online_retail_top_sku(online_retail):
    top, _ = top_bottom_skus(online_retail, n=1)
    assert top["sku"].tolist() == ["22423"]
    assert top["revenue"].iloc[0] == pytest.approx(1_309.50, abs=0.01)


def test_online_retail_sku_ranks_match_a_plain_implementation(online_retail):
    assert_same_ranking(
        sku_scores(online_retail).to_dict("records"), plain_scores(online_retail)
    )


# ---- Walmart weekly and Prophet monthly -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "sales"),
    [(2010, 2_288_886_120.41), (2011, 2_448_200_007.35), (2012, 2_000_132_859.35)],
)
def test_walmart_sales_by_year(walmart, year, sales):
    rows = filter_frame(walmart, start=f"{year}-01-01", end=f"{year}-12-31")
    assert rows["revenue"].sum() == pytest.approx(sales, abs=0.01)


def test_walmart_weekly_data_has_no_weekday_profile(walmart):
    assert kpis(walmart)["total_revenue"] == pytest.approx(6_737_218_987.11, abs=0.01)
    assert seasonality(walmart)["weekday"] is None


def test_prophet_retail_sales(retail_sales):
    assert kpis(retail_sales)["total_revenue"] == 90_528_594
    _, series = timeseries(retail_sales, "month")
    peak = series.loc[series["revenue"].idxmax()]
    assert (peak["period"], peak["revenue"]) == (pd.Timestamp("2015-12-01"), 518_253)
    growth = kpi_cards(retail_sales, retail_sales)["growth"]
    assert growth["mom"]["period"] == "2016-05"
    assert growth["yoy"]["period"] == "2015-06..2016-05"
    assert seasonality(retail_sales)["weekday"] is None


@pytest.mark.parametrize(
    "name", ["superstore", "financial", "online_retail", "walmart", "retail_sales"]
)
def test_shared_sku_figures_give_the_same_scores_and_rankings(name, request):
    from analytics.metrics import loss_makers, pareto_classes, sku_figures, sku_totals
    from analytics.metrics.breakdowns import sort_by

    frame = request.getfixturevalue(name)
    figures = sku_figures(frame)
    assert_frame_equal(sku_scores(frame, figures), sku_scores(frame))
    totals = figures.totals
    shuffled = totals.iloc[::-1].reset_index(drop=True)
    assert_frame_equal(totals, sku_totals(frame))
    for by in ("revenue", "profit"):
        if totals[by].isna().all():
            continue
        top, bottom = top_bottom_skus(frame, n=10, by=by)
        known = shuffled.loc[shuffled[by].notna()]
        assert_frame_equal(top, sort_by(known, by, "sku", ascending=False).head(10))
        assert_frame_equal(bottom, sort_by(known, by, "sku", ascending=True).head(10))
        assert_frame_equal(pareto_classes(totals, by), pareto_classes(shuffled, by))
    assert_frame_equal(loss_makers(totals), loss_makers(shuffled))


@pytest.mark.parametrize("name", ["superstore", "walmart", "retail_sales"])
def test_kpi_cards_from_shared_history_figures_are_unchanged(name, request):
    from analytics.metrics import history_figures

    frame = request.getfixturevalue(name)
    shared = history_figures(frame)
    last = frame["date"].max()
    for start, end in [(None, None), (f"{last.year}-01-01", f"{last:%Y-%m-%d}")]:
        rows = filter_frame(frame, start=start, end=end)
        got = kpi_cards(frame, rows, start=start, end=end, history=shared)
        assert got == kpi_cards(frame, rows, start=start, end=end)
