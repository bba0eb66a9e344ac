"""Rate columns (margins, markups, discount/tax/commission rates) are never amounts."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.ingest import ingest_bytes
from tests.fixtures import shapes

CASES = shapes.rate_cases()


def expected(case: shapes.RateCase) -> dict[str, float]:
    lines = case.lines
    revenue = lines["revenue"]
    if case.kind == "margin":
        profit = revenue * lines["ratio"]
    else:
        profit = revenue - revenue / (1 + lines["ratio"])
    return {
        "revenue": round(float(revenue.sum()), 2),
        "profit": round(float(profit.sum()), 2),
        "cost": round(float((revenue - profit).sum()), 2),
    }


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_profit_is_derived_per_line_from_the_rate(case):
    result = ingest_bytes(case.data, case.name)
    frame = result.frame
    want = expected(case)
    assert round(frame["revenue"].sum(), 2) == pytest.approx(want["revenue"], abs=0.01)
    assert round(frame["profit"].sum(), 2) == pytest.approx(want["profit"], abs=0.01)
    assert round(frame["cost"].sum(), 2) == pytest.approx(want["cost"], abs=0.01)
    margin = frame["profit"].sum() / frame["revenue"].sum()
    assert margin == pytest.approx(want["profit"] / want["revenue"], abs=1e-4)
    assert 0.2 < margin < 0.6
    assert result.report["date_range"] == [
        f"{case.lines['date'].min():%Y-%m-%d}",
        f"{case.lines['date'].max():%Y-%m-%d}",
    ]
    assert len(frame) == len(case.lines)
    assert sum(e["count"] for e in result.report["set_aside"]) == case.set_aside_rows


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_rate_column_takes_no_money_role_and_the_report_says_so(case):
    result = ingest_bytes(case.data, case.name)
    assert case.ratio_column not in result.mapping.values()
    said = " ".join(result.report["assumptions"])
    assert f"× {case.ratio_column}" in said or f"(1 + {case.ratio_column})" in said
    derived = [r for r in result.report["roles"] if r["role"] == "profit"]
    assert derived and derived[0]["column"] is None and derived[0]["derived"]


def test_other_rate_columns_are_never_money():
    rows = ["date,sku,discount_rate,tax_rate,commission_rate,amount"]
    rows += [f"2024-01-{d:02d},A{d},0.10,0.20,0.05,{d * 10}.50" for d in range(1, 21)]
    result = ingest_bytes("\n".join(rows).encode(), "rates.csv")
    assert result.mapping["revenue"] == "amount"
    used = set(result.mapping.values())
    assert not used & {"discount_rate", "tax_rate", "commission_rate"}
    assert result.frame["profit"].isna().all()


def test_two_competing_margins_give_no_profit_rather_than_a_doubtful_one():
    rows = ["date,sku,sales,margin_pct,target_margin"]
    rows += [f"2024-02-{d:02d},S{d},{d * 3}.25,0.4,0.5" for d in range(1, 21)]
    result = ingest_bytes("\n".join(rows).encode(), "two_margins.csv")
    assert result.frame["profit"].isna().all()
    assert result.mapping["profit"] is None and result.mapping["cost"] is None


def test_a_margin_column_holding_money_stays_an_amount():
    rows = ["date,sku,net sales,gross margin"]
    rows += [f"2024-03-{d:02d},S{d},{d * 500}.00,{d * 210}.00" for d in range(1, 21)]
    frame = pd.DataFrame(
        {
            "sales": [d * 500.0 for d in range(1, 21)],
            "gm": [d * 210.0 for d in range(1, 21)],
        }
    )
    result = ingest_bytes("\n".join(rows).encode(), "gm.csv")
    assert result.mapping["profit"] == "gross margin"
    assert result.frame["profit"].sum() == pytest.approx(frame["gm"].sum())


def test_profit_margin_is_never_summed_as_profit():
    case = CASES[0]
    result = ingest_bytes(case.data, case.name)
    assert result.frame["profit"].sum() > 10 * case.lines["ratio"].sum()


def test_a_corrected_mapping_keeps_the_derived_profit():
    from analytics.ingest import rebuild

    case = CASES[2]
    first = ingest_bytes(case.data, case.name)
    mapping = {**first.mapping, "sku": None}
    again = rebuild(first.table, mapping, read_info=first.report["read"])
    assert again.frame["profit"].sum() == pytest.approx(first.frame["profit"].sum())
    assert again.frame["sku"].isna().all()
    assert expected(case)["profit"] == pytest.approx(
        again.frame["profit"].sum(), abs=0.01
    )


def test_a_markup_fee_in_a_currency_is_money_not_a_rate():
    rows = [
        "Creation Date,Type,Gross Credit (GC),Exchange Rate,Markup (NC),Commission (NC)"
    ]
    rows += [
        f"2021-01-05 0{d % 10}:00:00,Settled,{d * 3}.45,1,0.{d % 9 + 1}2,0.0{d % 9}"
        for d in range(1, 21)
    ]
    result = ingest_bytes("\n".join(rows).encode(), "settlement.csv")
    assert result.report["read"]["profit_ratio"] is None
    assert result.frame["profit"].isna().all()
    assert "Exchange Rate" not in result.mapping.values()
