"""Customer figures (analytics.customers) against plain pandas computed here, on
generated lines and on the real Online Retail and Superstore files (skipped when the
shared data folder is absent)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.customers import customer_view, summary_json
from analytics.ingest import ingest_bytes
from analytics.query import order_figures
from tests.analytics.conftest import build_canonical

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"
real = pytest.mark.skipif(
    not DATA_DIR.exists(), reason="real sample files (shared/data) are not available"
)


# ----------------------------------------------------------------- independent pandas


def expected(lines: pd.DataFrame, by_orders: bool) -> dict:
    """Plain pandas: lines with columns customer, order, date, revenue."""
    lines = lines[lines["customer"].notna()]
    buys = lines[lines["revenue"] > 0]
    if by_orders:
        freq = buys.groupby("customer")["order"].nunique()
    else:
        freq = buys.groupby("customer")["date"].apply(lambda d: d.dt.date.nunique())
    first = buys.groupby("customer")["date"].min().dt.to_period("M")
    active = buys.assign(m=buys["date"].dt.to_period("M"))[
        ["customer", "m"]
    ].drop_duplicates()
    active["cohort"] = active["customer"].map(first)
    active["since"] = [
        (a - b).n for a, b in zip(active["m"], active["cohort"], strict=True)
    ]
    table = pd.crosstab(active["cohort"], active["since"])
    retention = table.div(table[0], axis=0)
    end = lines["date"].max().normalize()
    last = buys.groupby("customer")["date"].max().dt.normalize()
    recency = (end - last).dt.days
    monetary = lines.groupby("customer")["revenue"].sum().loc[freq.index]
    lines_month = lines["date"].dt.to_period("M")
    is_new = lines_month.to_numpy() == lines["customer"].map(first).to_numpy()
    new = lines.loc[is_new].groupby(lines_month[is_new])["revenue"].sum()
    return {
        "freq": freq,
        "repeat_rate": (freq > 1).sum() / len(freq),
        "retention": retention,
        "sizes": table[0],
        "last_month": buys["date"].max().to_period("M"),
        "recency": recency,
        "monetary": monetary,
        "new": new,
        "customers": lines["customer"].nunique(),
        "revenue": lines["revenue"].sum(),
    }


def quintile(values: pd.Series) -> pd.Series:
    """ceil(5 × percentile rank), ties averaged — written out with sorting."""
    n = len(values)
    order = values.sort_values(kind="stable")
    pos = pd.Series(np.arange(1, n + 1, dtype=float), index=order.index)
    avg = pos.groupby(order.to_numpy()).transform("mean")
    return (np.ceil(avg / n * 5)).clip(1, 5).astype(int).reindex(values.index)


def segment(r: int, f: int, m: int) -> str:
    if r >= 4 and f >= 4:
        return "Champions"
    if r >= 3 and f >= 3:
        return "Loyal"
    if r <= 2 and f >= 4 and m >= 4:
        return "Can't lose them"
    if r <= 2 and f >= 3:
        return "At risk"
    if r >= 4:
        return "New or promising"
    if r == 3:
        return "Needs attention"
    return "Hibernating"


def check(view, exp: dict) -> None:
    assert view.customers == exp["customers"]
    assert view.repeat_rate == pytest.approx(exp["repeat_rate"], abs=1e-12)
    assert view.repeat_customers == int((exp["freq"] > 1).sum())
    # cohort retention, cell by cell, and cohort sizes
    got = view.cohorts
    want = exp["retention"]
    assert [p.strftime("%Y-%m") for p in got.index] == [str(p) for p in want.index]
    assert list(view.cohort_sizes) == list(exp["sizes"])
    for i in range(len(want)):
        for j, k in enumerate(want.columns):
            value = got.iloc[i][k]
            observed = exp["last_month"] - want.index[i]
            if k <= observed.n:
                assert value == pytest.approx(want.iloc[i, j], abs=1e-12)
            else:
                assert math.isnan(value)
    # RFM per customer
    rfm = view.rfm
    assert set(rfm.index) == set(exp["freq"].index)
    rfm = rfm.loc[exp["freq"].index]
    assert (rfm["recency_days"] == exp["recency"].loc[rfm.index]).all()
    assert (rfm["frequency"] == exp["freq"]).all()
    assert np.allclose(rfm["monetary"], exp["monetary"])
    r = quintile(-exp["recency"].astype(float))
    f = quintile(exp["freq"].astype(float))
    m = quintile(exp["monetary"])
    assert (rfm["r"] == r).all() and (rfm["f"] == f).all() and (rfm["m"] == m).all()
    names = pd.Series([segment(*t) for t in zip(r, f, m, strict=True)], index=r.index)
    assert (rfm["segment"] == names).all()
    counts = names.value_counts()
    revenue = exp["monetary"].groupby(names).sum()
    for row in view.segments.itertuples():
        assert row.customers == counts.get(row.segment, 0)
        assert row.revenue == pytest.approx(revenue.get(row.segment, 0.0), abs=0.006)
    # new revenue per month
    monthly = view.monthly.set_index(view.monthly["month"].dt.to_period("M"))
    for period, value in exp["new"].items():
        assert monthly.loc[period, "new"] == pytest.approx(value, abs=0.006)
    total = monthly["new"].sum() + monthly["returning"].sum()
    assert total == pytest.approx(exp["revenue"], abs=0.01 * len(monthly))


# ----------------------------------------------------------------- generated data


def generated(seed: int = 7, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customers = np.array([f"C{i:03d}" for i in range(180)])
    cust = customers[rng.integers(0, 180, n) ** 1 % 180]
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 540, n), "D")
    order = np.array(
        [
            f"{c}-{d:%Y%m%d}-{k}"
            for c, d, k in zip(cust, dates, rng.integers(0, 2, n), strict=True)
        ]
    )
    revenue = np.round(rng.gamma(2.0, 40.0, n), 2)
    revenue[rng.random(n) < 0.05] *= -1  # returns
    cust = cust.astype(object)
    cust[rng.random(n) < 0.03] = None  # lines without a customer
    return pd.DataFrame(
        {"customer": cust, "order": order, "date": dates, "revenue": revenue}
    )


def frame_of(lines: pd.DataFrame, with_orders: bool) -> pd.DataFrame:
    columns = dict(
        date=lines["date"],
        revenue=lines["revenue"],
        customer=lines["customer"],
    )
    frame = build_canonical(**columns)
    if with_orders:
        frame["order_id"] = lines["order"].astype("str").to_numpy()
    return frame


@pytest.mark.parametrize("with_orders", [True, False])
def test_generated_lines_match_plain_pandas(with_orders):
    lines = generated()
    view = customer_view(frame_of(lines, with_orders))
    check(view, expected(lines, with_orders))
    assert view.unit == ("orders" if with_orders else "lines")
    missing = int(lines["customer"].isna().sum())
    assert view.coverage["lines_with_customer"] == len(lines) - missing
    assert any(f"{missing:,} of {len(lines):,} lines" in note for note in view.notes)


def test_orders_per_customer_counts_lines_without_order_ids():
    lines = generated(seed=3)
    known = lines[lines["customer"].notna()]
    buys = known[known["revenue"] > 0]
    view = customer_view(frame_of(lines, False))
    assert view.orders_per_customer == pytest.approx(
        len(buys) / buys["customer"].nunique()
    )
    view = customer_view(frame_of(lines, True))
    per = buys.groupby("customer")["order"].nunique()
    assert view.orders_per_customer == pytest.approx(per.sum() / len(per))
    assert view.revenue_per_customer == pytest.approx(
        known["revenue"].sum() / known["customer"].nunique()
    )


def test_top_customers_are_ranked_by_net_revenue_with_first_and_last_purchase():
    lines = generated(seed=11)
    known = lines[lines["customer"].notna()]
    totals = known.groupby("customer")["revenue"].sum().sort_values(ascending=False)
    view = customer_view(frame_of(lines, True), top=5)
    assert list(view.top["customer"]) == list(totals.index[:5])
    buys = known[known["revenue"] > 0]
    for row in view.top.itertuples():
        mine = buys[buys["customer"] == row.customer]["date"]
        assert row.first == mine.min().normalize()
        assert row.last == mine.max().normalize()


def test_trend_compares_the_last_90_days_with_the_90_before():
    frame = build_canonical(
        date=pd.to_datetime(
            ["2023-12-01", "2024-03-15", "2024-06-20", "2024-06-30", "2023-11-01"]
        ),
        revenue=[100.0, 50.0, 80.0, 10.0, 30.0],
        customer=["A", "A", "A", "B", "C"],
    )
    top = customer_view(frame).top.set_index("customer")
    # end 2024-06-30: A bought 80 on 06-20 (last 90 days), 50 on 03-15 (the 90 before)
    assert top.loc["A", "last_90_days"] == 80.0
    assert top.loc["A", "previous_90_days"] == 50.0
    assert top.loc["A", "trend"] == "up"
    assert top.loc["B", "trend"] == "new"
    assert top.loc["C", "trend"] == "none"


def test_no_customer_ids_gives_an_empty_view():
    frame = build_canonical(
        date=pd.to_datetime(["2024-01-01"]), revenue=[5.0], customer=[None]
    )
    view = customer_view(frame)
    assert view.customers == 0 and view.repeat_rate is None
    assert summary_json(view)["segments"][0]["customers"] == 0


# ----------------------------------------------------------------- real files


@real
def test_online_retail_customers_match_plain_pandas():
    name = "online_retail_uci_sample.csv"
    frame = ingest_bytes((DATA_DIR / name).read_bytes(), name).frame
    raw = pd.read_csv(DATA_DIR / name)
    lines = pd.DataFrame(
        {
            "customer": raw["CustomerID"]
            .map(lambda v: None if pd.isna(v) else str(int(v)))
            .astype(object),
            "order": raw["InvoiceNo"].astype(str),
            "date": pd.to_datetime(raw["InvoiceDate"], format="%m/%d/%Y %H:%M"),
            "revenue": raw["Quantity"] * raw["UnitPrice"],
        }
    )
    view = customer_view(frame)
    assert view.unit == "orders"
    check(view, expected(lines, True))
    assert view.coverage["lines_with_customer"] == int(raw["CustomerID"].notna().sum())


@real
def test_superstore_customers_match_plain_pandas_and_the_kpis():
    name = "superstore_classic_cp1252.csv"
    frame = ingest_bytes((DATA_DIR / name).read_bytes(), name).frame
    raw = pd.read_csv(DATA_DIR / name, encoding="cp1252")
    lines = pd.DataFrame(
        {
            "customer": raw["Customer ID"],
            "order": raw["Order ID"],
            "date": pd.to_datetime(raw["Order Date"], format="%m/%d/%Y"),
            "revenue": raw["Sales"],
        }
    )
    view = customer_view(frame)
    check(view, expected(lines, True))
    figures = order_figures(frame)
    assert view.customers == figures["customers"] == 793
    assert view.repeat_customers == figures["repeat_customers"]
