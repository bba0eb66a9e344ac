"""The real sample files through POST /upload and GET /api/data, against their published figures.

Each figure is read three ways: from the app's JSON, from the shared data README (ground
truth), and computed here with plain pandas from the raw file; all three must agree to
the cent. Skipped when the shared data folder is absent.
"""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import pytest

from tests.conftest import SHARED_DATA, unused_ollama, upload

pytestmark = pytest.mark.skipif(
    not SHARED_DATA.exists(), reason="real sample files (shared/data) are not available"
)

SUPERSTORE = "superstore_classic_cp1252.csv"
ONLINE_RETAIL = "online_retail_uci_sample.csv"
WALMART = "walmart_weekly_45stores.csv"
PROPHET = "prophet_example_retail_sales.csv"
FINANCIAL = "ms_financial_sample.xlsx"

#: The figures published in shared/data/README.md ("Key figures").
README_FIGURES: dict[str, dict[str, object]] = {
    SUPERSTORE: {
        "rows": 9994,
        "revenue": 2_297_200.86,
        "profit": 286_397.02,
        "quantity": 37_873,
        "skus": 1862,
        "dates": ("2014-01-03", "2017-12-30"),
        "year 2014": 484_247.50,
        "year 2015": 470_532.51,
        "year 2016": 609_205.60,
        "year 2017": 733_215.26,
        "top sku by revenue": ("TEC-CO-10004722", 61_599.82),
    },
    ONLINE_RETAIL: {
        "rows": 2709,
        "revenue": 37_503.25,
        "skus": 1395,
        "dates": ("2010-12-01", "2011-12-09"),
        "month 2011-11": -3_248.07,
        "AMAZONFEE in 2011-11": -8_286.22,
        "top sku by revenue": ("22423", 1_309.50),
    },
    WALMART: {
        "rows": 6435,
        "revenue": 6_737_218_987.11,
        "dates": ("2010-02-05", "2012-10-26"),
        "weeks with sales": 143,
        "year 2010": 2_288_886_120.41,
        "year 2011": 2_448_200_007.35,
        "year 2012": 2_000_132_859.35,
    },
    PROPHET: {
        "rows": 293,
        "revenue": 90_528_594.0,
        "skus": 0,
        "months": ("1992-01", "2016-05", 293),
        "peak month": ("2015-12", 518_253.0),
    },
    FINANCIAL: {
        "rows": 700,
        "revenue": 118_726_350.26,
        "cost": 101_832_648.00,
        "profit": 16_893_702.26,
        "skus": 6,
        "months": ("2013-09", "2014-12", 16),
        "top sku by profit": ("Paseo", 4_797_437.95),
    },
}


# ---- the raw files, read with plain pandas ------------------------------------------------------


def read_superstore(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, encoding="cp1252")
    return pd.DataFrame(
        {
            "date": pd.to_datetime(raw["Order Date"], format="%m/%d/%Y"),
            "revenue": raw["Sales"],
            "profit": raw["Profit"],
            "quantity": raw["Quantity"],
            "sku": raw["Product ID"],
        }
    )


def read_online_retail(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype={"StockCode": "str"})
    return pd.DataFrame(
        {
            "date": pd.to_datetime(raw["InvoiceDate"], format="%m/%d/%Y %H:%M"),
            "revenue": raw["Quantity"] * raw["UnitPrice"],
            "sku": raw["StockCode"],
        }
    )


def read_walmart(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path)
    return pd.DataFrame(
        {
            "date": pd.to_datetime(raw["Date"], format="%d/%m/%y"),
            "revenue": raw["Weekly_Sales"],
        }
    )


def read_prophet(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path)
    return pd.DataFrame({"date": pd.to_datetime(raw["ds"]), "revenue": raw["y"]})


def read_financial(path: Path) -> pd.DataFrame:
    raw = pd.read_excel(path, engine="openpyxl")
    return pd.DataFrame(
        {
            "date": pd.to_datetime(raw["Date"]),
            "revenue": raw[" Sales"],
            "cost": raw["COGS"],
            "profit": raw["Profit"],
            "sku": raw["Product"].str.strip(),
        }
    )


READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    SUPERSTORE: read_superstore,
    ONLINE_RETAIL: read_online_retail,
    WALMART: read_walmart,
    PROPHET: read_prophet,
    FINANCIAL: read_financial,
}


def _top(frame: pd.DataFrame, by: str) -> tuple[str, float]:
    totals = frame.groupby("sku")[by].sum()
    return str(totals.idxmax()), float(totals.max())


def _months(frame: pd.DataFrame) -> tuple[str, str, int]:
    months = frame["date"].dt.to_period("M")
    return (
        str(months.min()),
        str(months.max()),
        len(pd.period_range(months.min(), months.max())),
    )


def independent(frame: pd.DataFrame, figure: str) -> object:
    """A figure computed from the raw rows with plain pandas."""
    if figure == "rows":
        return len(frame)
    if figure in ("revenue", "cost", "profit", "quantity"):
        return float(frame[figure].sum())
    if figure == "skus":
        return int(frame["sku"].nunique()) if "sku" in frame else 0
    if figure == "dates":
        return (f"{frame['date'].min():%Y-%m-%d}", f"{frame['date'].max():%Y-%m-%d}")
    if figure == "months":
        return _months(frame)
    if figure.startswith("year "):
        return float(
            frame.loc[frame["date"].dt.year == int(figure[5:]), "revenue"].sum()
        )
    if figure.startswith("month "):
        month = frame["date"].dt.strftime("%Y-%m") == figure[6:]
        return float(frame.loc[month, "revenue"].sum())
    if figure == "AMAZONFEE in 2011-11":
        fee = (frame["sku"] == "AMAZONFEE") & (
            frame["date"].dt.strftime("%Y-%m") == "2011-11"
        )
        return float(frame.loc[fee, "revenue"].sum())
    if figure == "top sku by revenue":
        return _top(frame, "revenue")
    if figure == "top sku by profit":
        return _top(frame, "profit")
    if figure == "peak month":
        monthly = frame.groupby(frame["date"].dt.strftime("%Y-%m"))["revenue"].sum()
        return str(monthly.idxmax()), float(monthly.max())
    if figure == "weeks with sales":
        assert (frame["date"].dt.day_name() == "Friday").all()
        return int(frame.loc[frame["revenue"] > 0, "date"].nunique())
    raise AssertionError(f"no independent computation for {figure!r}")


# ---- the same figures from the app -------------------------------------------------------------


def get_data(client, sid: str, **params: str) -> dict:
    """The body, with the whole SKU ranking on one page (these files have < 5,000 SKUs)."""
    params = {"limit": "5000", **params}
    query = f"?{urlencode(params)}"
    response = client.get(f"/api/data/{sid}{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _series(client, sid: str, granularity: str) -> list[dict]:
    series = get_data(client, sid, granularity=granularity)["timeseries"]
    assert series["freq"] == granularity
    return series["points"]


def _top_score(body: dict, by: str) -> tuple[str, float]:
    known = [row for row in body["sku_scores"] if row[by] is not None]
    best = max(known, key=lambda row: row[by])
    return best["sku"], best[by]


def from_app(client, sid: str, body: dict, figure: str) -> object:
    """A figure as an API client reads it from ``GET /api/data``."""
    kpis = body["kpis"]
    if figure == "rows":
        return kpis["transactions"]
    if figure in ("revenue", "cost", "profit"):
        return kpis[f"total_{figure}"]
    if figure == "quantity":
        return sum(row["quantity"] for row in body["breakdowns"]["by_category"])
    if figure == "skus":
        assert len(body["sku_scores"]) == kpis["sku_count"]
        assert body["sku_scores_page"]["total"] == kpis["sku_count"]
        return kpis["sku_count"]
    if figure == "dates":
        return kpis["date_start"], kpis["date_end"]
    if figure == "months":
        points = _series(client, sid, "month")
        return points[0]["period"][:7], points[-1]["period"][:7], len(points)
    if figure.startswith("year "):
        year = figure[5:]
        kpis = get_data(client, sid, start=f"{year}-01-01", end=f"{year}-12-31")["kpis"]
        return kpis["total_revenue"]
    if figure.startswith("month "):
        months = {p["period"][:7]: p["revenue"] for p in _series(client, sid, "month")}
        return months[figure[6:]]
    if figure == "AMAZONFEE in 2011-11":
        fee = get_data(
            client, sid, sku="AMAZONFEE", start="2011-11-01", end="2011-11-30"
        )
        assert [row["sku"] for row in fee["sku_scores"]] == ["AMAZONFEE"]
        return fee["kpis"]["total_revenue"]
    if figure == "top sku by revenue":
        return _top_score(body, "revenue")
    if figure == "top sku by profit":
        return _top_score(body, "profit")
    if figure == "peak month":
        peak = max(_series(client, sid, "month"), key=lambda point: point["revenue"])
        return peak["period"][:7], peak["revenue"]
    if figure == "weeks with sales":
        points = _series(client, sid, "week")
        assert all(pd.Timestamp(p["period"]).day_name() == "Monday" for p in points)
        return sum(1 for p in points if p["revenue"] > 0)
    raise AssertionError(f"the app has no {figure!r}")


def agree(left: object, right: object) -> bool:
    """Equal, with money to the cent (half a cent either way)."""
    if isinstance(left, tuple) and isinstance(right, tuple):
        return len(left) == len(right) and all(map(agree, left, right))
    if isinstance(left, float) or isinstance(right, float):
        return left is not None and right is not None and abs(left - right) < 0.005
    return left == right


# ---- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from app import create_app

    app = create_app(
        {
            "SECRET_KEY": "test-secret-key",
            "CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
            "RATE_LIMIT": 100_000,
            "OLLAMA_HOST": unused_ollama(),
            "REDIS_URL": "",
            "LOG_LEVEL": "WARNING",
            "MAX_CONCURRENT_JOBS": 1,
        }
    )
    return app.server.test_client()


@pytest.fixture(scope="module")
def sessions(client) -> dict[str, tuple[str, dict]]:
    """Each file uploaded once (lazily): name -> (session id, GET /api/data body)."""
    return {}


@pytest.fixture(scope="module")
def raw_frames() -> dict[str, pd.DataFrame]:
    return {}


def session(client, sessions: dict, name: str) -> tuple[str, dict]:
    if name not in sessions:
        response = upload(client, (SHARED_DATA / name).read_bytes(), name)
        assert response.status_code == 201, response.get_json()
        sid = response.get_json()["session_id"]
        sessions[name] = (sid, get_data(client, sid))
    return sessions[name]


def raw_frame(raw_frames: dict, name: str) -> pd.DataFrame:
    if name not in raw_frames:
        raw_frames[name] = READERS[name](SHARED_DATA / name)
    return raw_frames[name]


CASES = [
    (name, figure) for name, figures in README_FIGURES.items() for figure in figures
]


# ---- tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(README_FIGURES))
def test_upload_is_accepted_with_every_row(client, sessions, name):
    sid, body = session(client, sessions, name)
    assert body["source"]["filename"] == name
    assert body["quality"]["rows_read"] == README_FIGURES[name]["rows"]
    assert body["quality"]["set_aside"] == []


@pytest.mark.parametrize(("name", "figure"), CASES, ids=[f"{n}-{f}" for n, f in CASES])
def test_independent_pandas_figure_matches_the_readme(raw_frames, name, figure):
    value = independent(raw_frame(raw_frames, name), figure)
    assert agree(value, README_FIGURES[name][figure]), (
        value,
        README_FIGURES[name][figure],
    )


@pytest.mark.parametrize(("name", "figure"), CASES, ids=[f"{n}-{f}" for n, f in CASES])
def test_app_figure_matches_readme_and_pandas(
    client, sessions, raw_frames, name, figure
):
    sid, body = session(client, sessions, name)
    got = from_app(client, sid, body, figure)
    truth = README_FIGURES[name][figure]
    computed = independent(raw_frame(raw_frames, name), figure)
    assert agree(got, truth), f"app {got!r} != README {truth!r}"
    assert agree(got, computed), f"app {got!r} != pandas {computed!r}"


def test_online_retail_totals_are_net_of_cancellations(client, sessions, raw_frames):
    raw = pd.read_csv(SHARED_DATA / ONLINE_RETAIL, dtype={"InvoiceNo": "str"})
    cancelled = raw["InvoiceNo"].str.startswith("C")
    gross = float((raw["Quantity"] * raw["UnitPrice"])[~cancelled].sum())
    assert agree(gross, 48_353.14)  # README: excluding cancellations
    _, body = session(client, sessions, ONLINE_RETAIL)
    assert agree(body["kpis"]["total_revenue"], 37_503.25)
    assert body["kpis"]["transactions"] == len(raw)


def test_walmart_year_filters_partition_the_total(client, sessions):
    sid, body = session(client, sessions, WALMART)
    years = [
        get_data(client, sid, start=f"{y}-01-01", end=f"{y}-12-31")["kpis"][
            "total_revenue"
        ]
        for y in (2010, 2011, 2012)
    ]
    assert agree(round(sum(years), 2), body["kpis"]["total_revenue"])


def test_financial_sample_top_profit_product_via_scores_and_sku_filter(
    client, sessions
):
    sid, body = session(client, sessions, FINANCIAL)
    filtered = get_data(client, sid, sku="paseo")
    assert [row["sku"] for row in filtered["sku_scores"]] == ["Paseo"]
    assert agree(filtered["kpis"]["total_profit"], 4_797_437.95)
    profits = sorted((row["profit"] for row in body["sku_scores"]), reverse=True)
    assert agree(profits[0], 4_797_437.95) and profits[0] > profits[1]


# ---- European sales program and bookkeeping exports ------------------------------------------

VINIFERA = "vinifera_sales.csv"
ZOHO = "zoho_books_profit_and_loss.xlsx"


def test_vinifera_line_amounts_dates_and_products(client, sessions):
    text = (SHARED_DATA / VINIFERA).read_bytes().decode("cp1252")
    lines = text.splitlines()
    lines[-1] = lines[-1][: lines[-1].index(lines[0].rstrip(";"))]
    raw = pd.read_csv(StringIO("\n".join(lines)), sep=";", decimal=",")
    dates = pd.to_datetime(raw["stcdatealliv"], format="%d/%m/%Y")
    sid, body = session(client, sessions, VINIFERA)
    kpis = body["kpis"]
    assert agree(kpis["total_revenue"], 7_590.00)
    assert agree(kpis["total_revenue"], float(raw["stcmtlig"].sum()))
    assert kpis["transactions"] == len(raw) == 117
    assert (kpis["date_start"], kpis["date_end"]) == ("1993-11-15", "2004-05-14")
    assert (kpis["date_start"], kpis["date_end"]) == (
        f"{dates.min():%Y-%m-%d}",
        f"{dates.max():%Y-%m-%d}",
    )
    assert kpis["sku_count"] == raw["stcpdtappel"].nunique() == 8
    assert kpis["total_profit"] is None, kpis
    assert [e["reason"] for e in body["quality"]["set_aside"]] == [
        "repeated header row"
    ]


def test_zoho_statement_totals_and_april_period(client, sessions):
    from openpyxl import load_workbook

    sheet = load_workbook(SHARED_DATA / ZOHO).active
    items = {
        label.strip(): float(value)
        for label, value in sheet.iter_rows(max_col=2, values_only=True)
        if isinstance(label, str) and isinstance(value, (int, float)) and value
    }
    revenue = items.pop("Sales")
    cost = sum(items.values())
    sid, body = session(client, sessions, ZOHO)
    kpis = body["kpis"]
    assert agree(kpis["total_revenue"], 171_000.0) and agree(revenue, 171_000.0)
    assert agree(kpis["total_cost"], cost) and agree(cost, 2_500.0 + 88_600.0)
    assert agree(kpis["total_profit"], 79_900.0)
    assert (kpis["date_start"], kpis["date_end"]) == ("2023-04-01", "2023-04-01")
