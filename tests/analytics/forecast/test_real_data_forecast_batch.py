"""Forecasts per store / SKU on the real sample files (skipped when they are absent)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics.forecast import forecast_by
from analytics.schema import conform_canonical

DATA_DIR = Path(__file__).resolve().parents[4] / "shared" / "data"

pytestmark = pytest.mark.skipif(
    not DATA_DIR.exists(), reason="shared/data sample files not present"
)


def test_walmart_by_store_adds_up_to_the_readme_total() -> None:
    raw = pd.read_csv(DATA_DIR / "walmart_weekly_45stores.csv")
    df = conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(raw["Date"], format="%d/%m/%y"),
                "revenue": raw["Weekly_Sales"],
            }
        )
    )
    df["Store"] = raw["Store"].astype(str).to_numpy()
    result = forecast_by(df, "Store", limit=45)
    groups = result.groups
    assert result.frequency.label == "weekly" and result.horizon == 13
    assert result.group_count == 45 and len(groups) == 45
    # the data README's independently computed total
    assert groups["total"].sum() == pytest.approx(6_737_218_987.11, abs=0.5)
    assert set(groups["periods"]) == {143}
    assert set(groups["status"]) == {"ready"} and set(groups["model"]) == {"ensemble"}
    body = result.to_dict()
    assert all(len(g["points"]) == 13 for g in body["groups"])
    assert body["groups"][0]["points"][0]["date"] == "2012-11-02"  # a Friday


def test_superstore_by_sku_keeps_the_largest_and_says_what_is_left() -> None:
    raw = pd.read_csv(DATA_DIR / "superstore_classic_cp1252.csv", encoding="cp1252")
    df = conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(raw["Order Date"], format="%m/%d/%Y"),
                "revenue": raw["Sales"],
                "sku": raw["Product ID"],
            }
        )
    )
    result = forecast_by(df, "sku", limit=20)
    assert result.frequency.label == "monthly"  # sparse days: the dashboard's period
    assert result.group_count == 1_862  # the data README's distinct Product IDs
    totals = raw.groupby("Product ID")["Sales"].sum()
    top = totals.sort_values(ascending=False, kind="stable")
    assert list(result.groups["group"]) == list(top.index[:20])
    for row in result.groups.itertuples():
        assert row.total == pytest.approx(totals[row.group], abs=0.01)
    left = top.iloc[20:].sum() / 2_297_200.86
    assert result.left_out_share == pytest.approx(left, abs=1e-6)
    assert (result.groups["status"] == "ready").all()
