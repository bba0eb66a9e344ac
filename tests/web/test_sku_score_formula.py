"""GET /api/data ``sku_scores`` follows the README's SKU score, on generated and real files.

The expected ranking comes from ``tests/sku_reference.py``, a plain-Python version of the
formula (hand-written average ranks, no pandas), fed with the rows as they are in the file
that was uploaded: read here with the ``csv`` module, not through the app's ingestion.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SHARED_DATA, module_client, new_session, upload
from tests.sku_reference import assert_same_ranking, reference_scores


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


def get_scores(client, sid: str, **params: str) -> list[dict]:
    """Every SKU of the ranking, read page by page (``offset`` / ``limit``)."""
    rows: list[dict] = []
    while True:
        query = urlencode({**params, "offset": len(rows), "limit": 1000})
        response = client.get(f"/api/data/{sid}?{query}")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        rows += body["sku_scores"]
        if len(rows) >= body["sku_scores_page"]["total"] or not body["sku_scores"]:
            return rows


def awkward_shop(seed: int = 5) -> pd.DataFrame:
    """Sales lines built to stress the ranking.

    Ties on every component (SKUs with the same prices and counts), one-off sales,
    SKUs whose sales and refunds average to exactly zero, refunds (negative lines),
    amounts that add up differently in a different order (0.1 + 0.2 + 0.7), and
    popular SKUs sold at prices that vary.
    """
    rng = np.random.default_rng(seed)
    lines: list[tuple[str, float]] = []  # (sku, revenue)
    for i in range(30):  # popular SKUs: many sales, varying prices, some refunds
        price = float(rng.choice([4.99, 9.99, 19.99, 49.5]))
        for _ in range(int(rng.integers(3, 40))):
            amount = round(price * int(rng.integers(1, 5)), 2)
            lines.append((f"POP-{i:02d}", -amount if rng.random() < 0.05 else amount))
    for i in range(12):  # one-off sales, several at the same price
        lines.append((f"ONE-{i:02d}", [15.0, 15.0, 15.0, 250.0, 3.5, 15.0][i % 6]))
    for i in range(4):  # identical twins: same amounts, same counts
        lines += [(f"TWIN-{i}", 12.5), (f"TWIN-{i}", 12.5)]
    for i in range(3):  # a sale and its full refund: mean 0
        lines += [(f"ZERO-{i}", 30.0 + i), (f"ZERO-{i}", -(30.0 + i))]
    lines += [(f"ORDER-{k}", a) for k, amounts in
              (("A", (0.1, 0.2, 0.7)), ("B", (0.7, 0.2, 0.1)), ("C", (0.2, 0.7, 0.1)))
              for a in amounts]  # fmt: skip
    lines += [("REFUNDS", -20.0), ("REFUNDS", -60.0)]  # only returns
    rng.shuffle(lines)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        rng.integers(0, 365, len(lines)), unit="D"
    )
    return pd.DataFrame(
        {
            "Date": days.strftime("%Y-%m-%d"),
            "SKU": [sku for sku, _ in lines],
            "Category": [
                "Toys" if sku[-1] in "02468AB" else "Books" for sku, _ in lines
            ],
            "Revenue": [amount for _, amount in lines],
        }
    )


@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    return awkward_shop()


@pytest.fixture(scope="module")
def shop_sid(client, shop) -> str:
    return new_session(client, shop, "awkward-shop.csv")


def shop_rows(shop: pd.DataFrame, **params: str) -> list[tuple[str, float]]:
    """The ``(sku, revenue)`` lines of the CSV that a filter set keeps."""
    text = shop.to_csv(index=False)
    rows = []
    for line in csv.DictReader(io.StringIO(text)):
        if "category" in params and line["Category"] != params["category"]:
            continue
        if "start" in params and line["Date"] < params["start"]:
            continue
        if "end" in params and line["Date"] > params["end"]:
            continue
        rows.append((line["SKU"], float(line["Revenue"])))
    return rows


def test_the_generated_shop_has_the_cases_it_is_meant_to_have(shop):
    per_sku = shop.groupby("SKU")["Revenue"]
    assert (per_sku.size() == 1).sum() >= 12
    assert (per_sku.sum().abs() < 1e-9).sum() >= 3
    assert (shop["Revenue"] < 0).any()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"category": "Toys"},
        {"start": "2024-03-01", "end": "2024-08-31"},
        {"category": "Books", "start": "2024-06-01"},
    ],
    ids=["everything", "one category", "date range", "category and start"],
)
def test_generated_skus_are_scored_and_ranked_as_documented(
    client, shop, shop_sid, params
):
    got = get_scores(client, shop_sid, **params)
    assert_same_ranking(got, reference_scores(shop_rows(shop, **params)))


def test_min_sales_leaves_the_other_skus_as_they_were(client, shop, shop_sid):
    want = [
        row for row in reference_scores(shop_rows(shop)) if row["transactions"] >= 3
    ]
    got = get_scores(client, shop_sid, min_sales="3")
    assert_same_ranking(got, want)
    assert not any(row["few_sales"] for row in got)


def test_skus_download_hides_few_sales_like_the_api(client, shop, shop_sid):
    response = client.get(f"/api/export/{shop_sid}/skus.csv?min_sales=3")
    assert response.status_code == 200
    exported = list(
        csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))
    )
    want = [
        row for row in reference_scores(shop_rows(shop)) if row["transactions"] >= 3
    ]
    assert [row["sku"] for row in exported] == [row["sku"] for row in want]


def test_next_month_projects_the_monthly_scores_of_the_same_formula(
    client, shop, shop_sid
):
    """``projected_score``: a straight line through each SKU's scores of the last 6
    months, each month scored with the formula among that month's SKUs."""
    lines = list(csv.DictReader(io.StringIO(shop.to_csv(index=False))))
    months = sorted({line["Date"][:7] for line in lines})[-6:]
    history: dict[str, list[tuple[float, float]]] = {}
    for x, month in enumerate(months):
        rows = [
            (line["SKU"], float(line["Revenue"]))
            for line in lines
            if line["Date"][:7] == month
        ]
        for row in reference_scores(rows):
            history.setdefault(row["sku"], []).append((float(x), row["score"]))
    projected = {}
    for sku, points in history.items():
        if len(points) < 3:
            continue
        mean_x = sum(x for x, _ in points) / len(points)
        mean_y = sum(y for _, y in points) / len(points)
        sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
        sxx = sum((x - mean_x) ** 2 for x, _ in points)
        line = mean_y + sxy / sxx * (len(months) - mean_x)  # one month after the last
        projected[sku] = min(100.0, max(0.0, line))
    got = {row["sku"]: row["projected_score"] for row in get_scores(client, shop_sid)}
    assert projected, "the shop has SKUs with 3 or more scored months"
    assert {sku for sku, value in got.items() if value is not None} == set(projected)
    for sku, value in projected.items():
        assert abs(got[sku] - value) <= 0.01, sku


# ---- the real sample files ----------------------------------------------------------------------


def superstore_rows() -> list[tuple[str, float]]:
    with open(
        SHARED_DATA / "superstore_classic_cp1252.csv", encoding="cp1252", newline=""
    ) as handle:
        return [
            (line["Product ID"], float(line["Sales"]))
            for line in csv.DictReader(handle)
        ]


def online_retail_rows() -> list[tuple[str, float]]:
    """The app maps StockCode to the SKU and, with no revenue column, takes
    revenue = Quantity × UnitPrice on every line (cancellations included)."""
    with open(SHARED_DATA / "online_retail_uci_sample.csv", newline="") as handle:
        return [
            (line["StockCode"], float(line["Quantity"]) * float(line["UnitPrice"]))
            for line in csv.DictReader(handle)
        ]


REAL_FILES = {
    "superstore_classic_cp1252.csv": superstore_rows,
    "online_retail_uci_sample.csv": online_retail_rows,
}


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="shared/data is not available")
@pytest.mark.parametrize("name", list(REAL_FILES))
def test_real_files_are_scored_and_ranked_as_documented(client, name):
    response = upload(client, (SHARED_DATA / name).read_bytes(), name)
    assert response.status_code == 201, response.get_json()
    sid = response.get_json()["session_id"]
    want = reference_scores(REAL_FILES[name]())
    assert_same_ranking(get_scores(client, sid), want)
    kept = get_scores(client, sid, min_sales="3")
    assert_same_ranking(kept, [row for row in want if row["transactions"] >= 3])
