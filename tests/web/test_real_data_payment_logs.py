"""Real payment-provider and marketplace exports (shared/data) through POST /upload and
GET /api/data, against the figures published in shared/data/README.md.

Each figure is checked twice: the app's JSON against the README (ground truth), and the
README against a plain-pandas reading of the raw file that applies the README's own
rule (which lines are sales, which are fees). Skipped when the folder is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SHARED_DATA, module_client, upload

pytestmark = pytest.mark.skipif(
    not SHARED_DATA.exists(), reason="real sample files (shared/data) are not available"
)

PAYPAL_EN = "paypal_activity_en.csv"
PAYPAL_ES = "paypal_statement_es.csv"
ADYEN = "adyen_settlement_detail_batch380.csv"
AMAZON = "amazon_settlement_flatfile.txt"
ETSY = "etsy_statement_2025_12.csv"
STRIPE = "stripe_payments_all.csv"

TRANSFER = "payout or bank transfer (money moved, not a sale)"

#: shared/data/README.md, "Key figures (these exports)".
README: dict[str, dict[str, object]] = {
    PAYPAL_EN: {
        "rows_read": 76,
        "revenue": 70_660.80,
        "cost": 2_925.88,
        "profit": 67_734.92,
        "dates": ("2015-12-29", "2016-11-01"),
        "currency": "USD",
    },
    PAYPAL_ES: {
        "rows_read": 4,
        "revenue": 136.44,
        "cost": 5.36,
        "profit": 131.08,
        "dates": ("2020-01-02", "2020-01-03"),
        "currency": "EUR",
    },
    ADYEN: {
        "rows_read": 228,
        "revenue": 55_735.80,
        # processing fees 389.23 + batch Fee row 38.10 + the fee on refunds (net − gross
        # refunded: 1,092.35 − 1,091.95); profit is then the MerchantPayout row
        "cost": 389.23 + 38.10 + (1_092.35 - 1_091.95),
        "profit": 55_308.07,
        "sales dates": ("2021-01-05", "2021-01-05"),
        "currency": "USD",
    },
    AMAZON: {
        "rows_read": 730,
        "revenue": 8_218.48,
        "cost": 3_683.17,
        "quantity": 155,
        "skus": 15,
        "dates": ("2025-09-12", "2025-09-25"),
        "currency": "CAD",
    },
    ETSY: {
        "rows_read": 1_070,
        "revenue": 4_771.84,
        "cost": 2_171.66,
        "profit": 2_600.18,
        "dates": ("2025-12-01", "2025-12-31"),
        "currency": "USD",
    },
    STRIPE: {
        "rows_read": 5,
        "revenue": 10.00,
        "cost": 0.59,
        "dates": ("2021-03-16", "2021-03-16"),
        "currency": "CAD",
    },
}


def money(text: pd.Series) -> pd.Series:
    """'$1,287.26', '-$0.99', '1,653.75', '--' → float (NaN when not a number)."""
    cleaned = text.astype("str").str.replace(r"[$,\s]", "", regex=True)
    return pd.to_numeric(cleaned.where(cleaned != "--"), errors="coerce")


# ---- the raw files, read with plain pandas and the README's rules -------------------------------


def raw_paypal_en(path: Path) -> dict[str, object]:
    raw = pd.read_csv(path, dtype="str")
    gross, net = money(raw["Gross"]), money(raw["Net"])
    sale = raw["Type"].isin(["General Payment", "Website Payment"]) & (gross > 0)
    dates = pd.to_datetime(raw["Date"], format="%d/%m/%Y")
    return {
        "rows_read": len(raw),
        "revenue": gross[sale].sum(),
        "cost": (gross - net)[sale].sum(),
        "profit": net[sale].sum(),
        "dates": (f"{dates.min():%Y-%m-%d}", f"{dates.max():%Y-%m-%d}"),
        "currency": raw.loc[sale, "Currency"].unique().item(),
        "withdrawals": int((raw["Type"] == "General Withdrawal").sum()),
        "conversions": int(raw["Type"].str.contains("Currency Conversion").sum()),
    }


def raw_paypal_es(path: Path) -> dict[str, object]:
    raw = pd.read_csv(path, dtype="str").dropna(axis=1, how="all")

    def comma(col: str) -> pd.Series:
        text = raw[col].str.replace(".", "", regex=False).str.replace(",", ".")
        return text.astype(float)

    dates = pd.to_datetime(raw["Fecha"], format="%d/%m/%Y")
    return {
        "rows_read": len(raw),
        "revenue": comma("Bruto").sum(),
        "cost": -comma("Comisión").sum(),
        "profit": comma("Neto").sum(),
        "dates": (f"{dates.min():%Y-%m-%d}", f"{dates.max():%Y-%m-%d}"),
        "currency": raw["Divisa"].unique().item(),
    }


def raw_adyen(path: Path) -> dict[str, object]:
    raw = pd.read_csv(path)
    settled, refunded = raw["Type"] == "Settled", raw["Type"] == "Refunded"
    fees = raw[
        ["Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)"]
    ]
    fee_row = raw.loc[raw["Type"] == "Fee", "Net Debit (NC)"].sum()
    refund_gross = raw.loc[refunded, "Gross Debit (GC)"].sum()
    refund_net = raw.loc[refunded, "Net Debit (NC)"].sum()
    revenue = raw.loc[settled, "Gross Credit (GC)"].sum() - refund_gross
    cost = fees[settled].sum().sum() + fee_row + (refund_net - refund_gross)
    created = pd.to_datetime(raw.loc[settled | refunded, "Creation Date"])
    return {
        "rows_read": len(raw),
        "revenue": revenue,
        "cost": cost,
        "profit": raw.loc[raw["Type"] == "MerchantPayout", "Net Debit (NC)"].item(),
        "sales dates": (f"{created.min():%Y-%m-%d}", f"{created.max():%Y-%m-%d}"),
        "currency": raw["Net Currency"].dropna().unique().item(),
    }


def raw_amazon(path: Path) -> dict[str, object]:
    raw = pd.read_csv(path, sep="\t", dtype="str")
    amount = lambda col: pd.to_numeric(raw[col])  # noqa: E731
    principal = raw["price-type"] == "Principal"
    fee_columns = [
        "item-related-fee-amount",
        "shipment-fee-amount",
        "order-fee-amount",
        "misc-fee-amount",
        "other-fee-amount",
    ]
    fees = pd.concat([amount(c) for c in fee_columns], axis=1).sum().sum()
    sold = raw["marketplace-name"].eq("Amazon.ca") & raw["transaction-type"].eq("Order")
    posted = pd.to_datetime(raw["posted-date"]).dropna()
    return {
        "rows_read": len(raw),
        "revenue": amount("price-amount")[principal].sum(),
        "cost": -fees,
        "quantity": amount("quantity-purchased")[sold].sum(),
        "skus": raw.loc[principal, "sku"].nunique(),
        "dates": (f"{posted.min():%Y-%m-%d}", f"{posted.max():%Y-%m-%d}"),
        "currency": raw["currency"].dropna().unique().item(),
    }


def raw_etsy(path: Path) -> dict[str, object]:
    raw = pd.read_csv(path, dtype="str", encoding="utf-8-sig")
    net = money(raw["Net"])
    kind, title = raw["Type"], raw["Title"]
    # tax and the delivery fee collected for and remitted by Etsy are not income
    passed_on = title.str.contains("paid by buyer|Refund to buyer for sales tax")
    income = kind.isin(["Sale", "Refund"]) | passed_on
    dates = pd.to_datetime(raw["Date"], format="%B %d, %Y")
    return {
        "rows_read": len(raw),
        "revenue": net[income].sum(),
        "cost": -net[~income & (kind != "Deposit")].sum(),
        "profit": net.sum(),
        "dates": (f"{dates.min():%Y-%m-%d}", f"{dates.max():%Y-%m-%d}"),
        "currency": raw["Currency"].unique().item(),
        "deposits": int((kind == "Deposit").sum()),
    }


def raw_stripe(path: Path) -> dict[str, object]:
    raw = pd.read_csv(path)
    live = (raw["mode"] == "Live") & (raw["status"] == "Paid")
    created = pd.to_datetime(raw.loc[live, "created"])
    return {
        "rows_read": len(raw),
        "revenue": (raw["amount"] - raw["amount_refunded"])[live].sum(),
        "cost": raw.loc[live, "fee"].sum(),
        "dates": (f"{created.min():%Y-%m-%d}", f"{created.max():%Y-%m-%d}"),
        "currency": raw.loc[live, "currency"].str.upper().unique().item(),
        "test": int((raw["mode"] == "Test").sum()),
    }


RAW = {
    PAYPAL_EN: raw_paypal_en,
    PAYPAL_ES: raw_paypal_es,
    ADYEN: raw_adyen,
    AMAZON: raw_amazon,
    ETSY: raw_etsy,
    STRIPE: raw_stripe,
}


def agree(left: object, right: object) -> bool:
    if isinstance(left, tuple) and isinstance(right, tuple):
        return len(left) == len(right) and all(map(agree, left, right))
    if isinstance(left, float | int) and isinstance(right, float | int):
        return abs(float(left) - float(right)) < 0.005
    return left == right


# ---- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


@pytest.fixture(scope="module")
def bodies(client) -> dict[str, dict]:
    return {}


def body_of(client, bodies: dict, name: str) -> dict:
    if name not in bodies:
        response = upload(client, (SHARED_DATA / name).read_bytes(), name)
        assert response.status_code == 201, response.get_json()
        sid = response.get_json()["session_id"]
        data = client.get(f"/api/data/{sid}")
        assert data.status_code == 200
        bodies[name] = {"sid": sid, **data.get_json()}
    return bodies[name]


def from_app(client, body: dict, figure: str) -> object:
    kpis = body["kpis"]
    if figure == "rows_read":
        return body["quality"]["rows_read"]
    if figure in ("revenue", "cost", "profit"):
        return kpis[f"total_{figure}"]
    if figure == "dates":
        return kpis["date_start"], kpis["date_end"]
    if figure == "sales dates":
        sales = [p for p in body["timeseries"]["points"] if p["revenue"]]
        return sales[0]["period"][:10], sales[-1]["period"][:10]
    if figure == "quantity":
        return sum(row["quantity"] or 0 for row in body["breakdowns"]["by_category"])
    if figure == "skus":
        return kpis["sku_count"]
    if figure == "currency":
        return body["quality"]["currency"]
    raise AssertionError(figure)


CASES = [(name, figure) for name, figures in README.items() for figure in figures]


@pytest.mark.parametrize(("name", "figure"), CASES, ids=[f"{n}-{f}" for n, f in CASES])
def test_raw_file_gives_the_readme_figure(name, figure):
    assert agree(RAW[name](SHARED_DATA / name)[figure], README[name][figure])


@pytest.mark.parametrize(("name", "figure"), CASES, ids=[f"{n}-{f}" for n, f in CASES])
def test_app_gives_the_readme_figure(client, bodies, name, figure):
    got = from_app(client, body_of(client, bodies, name), figure)
    assert agree(got, README[name][figure]), (got, README[name][figure])


def set_aside(body: dict) -> dict[str, int]:
    return {e["reason"]: e["count"] for e in body["quality"]["set_aside"]}


def said(body: dict, pattern: str) -> bool:
    return any(re.search(pattern, a) for a in body["quality"]["assumptions"])


def test_paypal_conversions_withdrawals_and_holds_are_not_sales(client, bodies):
    body = body_of(client, bodies, PAYPAL_EN)
    raw = raw_paypal_en(SHARED_DATA / PAYPAL_EN)
    aside = set_aside(body)
    assert aside[TRANSFER] == raw["withdrawals"] == 14
    assert aside["currency conversion (money changed currency, not a sale)"] == 32
    assert aside["authorisation, hold or its release (money held, not a sale)"] == 2
    assert aside["payment the business made (money out, not a sale)"] == 2
    assert body["mapping"]["revenue"] == "Gross"
    assert said(body, r"Set aside 14 row\(s\) \(14 'General Withdrawal'\)")
    assert said(body, r"^Fees taken as cost: 2,925\.88")


def test_paypal_statement_reads_decimal_comma_and_day_first_dates(client, bodies):
    body = body_of(client, bodies, PAYPAL_ES)
    assert body["mapping"]["revenue"] == "Bruto"
    assert body["quality"]["read"]["decimal"] == ","
    assert body["quality"]["read"]["date_order"] == "DMY"
    assert body["kpis"]["transactions"] == 4


def test_adyen_payout_is_a_transfer_and_fees_reconcile_to_it(client, bodies):
    body = body_of(client, bodies, ADYEN)
    assert set_aside(body) == {TRANSFER: 1}
    # revenue − every fee = the payout the batch paid to the bank
    assert agree(body["kpis"]["total_profit"], 55_308.07)
    assert body["kpis"]["transactions"] == 220 + 6 + 1  # sales, refunds, the fee row


def test_amazon_summary_shipping_and_reimbursements_are_kept_apart(client, bodies):
    body = body_of(client, bodies, AMAZON)
    raw = pd.read_csv(SHARED_DATA / AMAZON, sep="\t", dtype="str")
    shipping = raw["price-type"].eq("Shipping") | raw["promotion-type"].eq("Shipping")
    aside = set_aside(body)
    assert aside["summary row (the settlement or statement total, not a sale)"] == 1
    assert aside[
        "shipping charged or shipping promotion (kept apart from product revenue)"
    ] == int(shipping.sum())
    assert (
        aside["reimbursement or other credit from the provider (not a sale)"]
        == raw["transaction-type"].eq("REVERSAL_REIMBURSEMENT").sum()
    )
    assert said(body, r"summary row's total \(4,630\.23\) is the payout")
    # one line per order item and refund, not one per fee row
    order_items = raw.loc[raw["price-type"].eq("Principal")]
    assert body["kpis"]["transactions"] < len(raw) / 4
    assert body["kpis"]["transactions"] >= order_items["order-id"].nunique()


def test_etsy_deposits_are_transfers_and_fees_are_costs(client, bodies):
    body = body_of(client, bodies, ETSY)
    raw = raw_etsy(SHARED_DATA / ETSY)
    assert set_aside(body) == {TRANSFER: raw["deposits"]}
    assert said(body, r"taken off revenue")
    q = body["quality"]
    assert q["rows_read"] == q["rows_used"] + q["joined"] + raw["deposits"]


def test_stripe_test_mode_payments_do_not_count(client, bodies):
    body = body_of(client, bodies, STRIPE)
    raw = raw_stripe(SHARED_DATA / STRIPE)
    assert set_aside(body) == {"test-mode payment (no money moved)": raw["test"]}
    assert body["kpis"]["transactions"] == 1


def test_a_datev_journal_upload_is_refused_with_a_message_naming_it(client):
    from tests.analytics.ingest.test_ingest_ledgers import DATEV_EXTF

    response = upload(client, DATEV_EXTF, "EXTF_Buchungsstapel.csv")
    assert response.status_code == 400
    assert "DATEV bookkeeping export" in response.get_json()["error"]
