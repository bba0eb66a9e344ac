"""Payment-provider and marketplace logs (tests/fixtures/payment_logs.py): revenue is the
customer payments, fees are cost, money that only moved is set aside by reason.

Each generated log carries its answer, kept in integer cents while the file was written
(not read back from the app): revenue, cost, the date range of the lines used, the rows
set aside per reason.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analytics.ingest import ingest_bytes, ledgers, rebuild
from tests.fixtures import payment_logs
from web.errors import status_for

LOGS = payment_logs.all_logs()
_RESULTS: dict[str, object] = {}


def ingest(log: payment_logs.Log):
    if log.name not in _RESULTS:
        _RESULTS[log.name] = ingest_bytes(log.data, log.filename)
    return _RESULTS[log.name]


def cents(value: float) -> int:
    return round(float(value) * 100)


def test_each_class_has_at_least_four_variants():
    kinds = pd.Series([log.kind for log in LOGS]).value_counts()
    assert kinds["activity log"] >= 4
    assert kinds["settlement report"] >= 4
    assert kinds["marketplace statement"] >= 4


@pytest.mark.parametrize("log", LOGS, ids=lambda log: log.name)
def test_revenue_is_customer_payments_net_of_refunds(log):
    result = ingest(log)
    assert result.mapping["revenue"] == log.revenue_column
    assert cents(result.frame["revenue"].sum()) == log.revenue


@pytest.mark.parametrize("log", LOGS, ids=lambda log: log.name)
def test_fees_are_cost_and_profit_is_what_remains(log):
    frame = ingest(log).frame
    assert cents(frame["cost"].sum()) == log.cost
    assert cents(frame["profit"].sum()) == log.revenue - log.cost


@pytest.mark.parametrize("log", LOGS, ids=lambda log: log.name)
def test_date_range_and_currency(log):
    result = ingest(log)
    assert result.report["date_range"] == log.date_range
    assert result.report["currency"] == log.currency


@pytest.mark.parametrize("log", LOGS, ids=lambda log: log.name)
def test_rows_set_aside_by_reason_and_every_row_accounted_for(log):
    report = ingest(log).report
    aside = {e["reason"]: e["count"] for e in report["set_aside"]}
    assert aside == {k: v for k, v in log.set_aside.items() if v}
    assert report["rows_read"] == log.rows_read
    assert report["rows_read"] == report["rows_used"] + report["joined"] + sum(
        aside.values()
    )
    json.dumps(report)


@pytest.mark.parametrize("log", LOGS, ids=lambda log: log.name)
def test_the_report_states_each_rule(log):
    result = ingest(log)
    said = " ".join(result.report["assumptions"])
    assert "revenue is" in said
    assert "Fees taken as cost" in said
    for reason, count in log.set_aside.items():
        if count and reason not in (
            payment_logs.SUMMARY,
            payment_logs.SHIPPING,
            payment_logs.TAX,
            payment_logs.REIMBURSEMENT,
        ):
            assert f"): {reason}." in said or "test-mode" in said, reason


def test_a_withdrawal_rule_names_the_type_and_count():
    log = payment_logs.paypal_activity("en")
    said = ingest(log).report["assumptions"]
    count = log.set_aside[payment_logs.TRANSFER]
    assert (
        f"Set aside {count} row(s) ({count} 'General Withdrawal'): "
        f"{payment_logs.TRANSFER}." in said
    )


def test_fee_lines_join_their_order_so_transactions_are_orders():
    log = payment_logs.marketplace_statement("etsy_en")
    result = ingest(log)
    raw = pd.read_csv(pd.io.common.BytesIO(log.data), dtype="str")
    sales = int((raw["Type"] == "Sale").sum())
    refunds = int((raw["Type"] == "Refund").sum())
    days = raw.loc[raw["Info"].isna() | ~raw["Info"].str.startswith("Order"), "Date"]
    # one line per sale and refund, plus at most one charges line per day
    assert sales + refunds <= len(result.frame) <= sales + refunds + days.nunique()


def test_remapping_revenue_turns_the_log_rules_off_and_back_on():
    log = payment_logs.stripe_balance_history()
    result = ingest(log)
    read = result.report["read"]
    other = rebuild(result.table, {**result.mapping, "revenue": "Net"}, read_info=read)
    assert not any("Fees taken as cost" in a for a in other.report["assumptions"])
    again = rebuild(result.table, result.mapping, read_info=read)
    assert cents(again.frame["revenue"].sum()) == log.revenue
    assert cents(again.frame["cost"].sum()) == log.cost


def test_an_ordinary_sales_file_is_not_a_log():
    table = pd.DataFrame(
        {
            "Date": ["2024-01-01", "2024-01-02"],
            "Type": ["Furniture", "Office Supplies"],
            "Amount": ["10.00", "20.00"],
            "Net": ["8.00", "16.00"],
        },
        dtype="str",
    )
    assert ledgers.detect(table) is None


# --------------------------------------------------------------------------- journals

DATEV_EXTF = (
    '"EXTF";700;21;"Buchungsstapel";13;20240105120000000;;"RE";"";"";12345;678;'
    '20240101;4;20240101;20240131;"Januar";"";1;0;0;"EUR";;"";;;"03";;;"";""\r\n'
    "Umsatz (ohne Soll/Haben-Kz);Soll/Haben-Kennzeichen;WKZ Umsatz;Kurs;Basis-Umsatz;"
    "WKZ Basis-Umsatz;Konto;Gegenkonto (ohne BU-Schlüssel);BU-Schlüssel;Belegdatum;"
    "Belegfeld 1;Belegfeld 2;Skonto;Buchungstext\r\n"
    "119,00;S;EUR;;;;10000;8400;;0501;RE-1;;;Verkauf Müller\r\n"
    "119,00;H;EUR;;;;1200;10000;;0801;ZA-1;;;Zahlung Müller\r\n"
    "45,50;S;EUR;;;;4930;1200;;1001;K-7;;;Bürobedarf\r\n"
).encode("cp1252")


@pytest.mark.parametrize(
    ("data", "filename", "names"),
    [
        (DATEV_EXTF, "EXTF_Buchungsstapel.csv", "DATEV"),
        (
            b"Date,Account,Description,Debit,Credit\n2024-01-02,4000,Sale,,100.00\n"
            b"2024-01-02,1200,Sale,100.00,\n2024-01-03,6100,Rent,50.00,\n",
            "journal.csv",
            "bookkeeping journal (postings with 'Debit', 'Credit', 'Account')",
        ),
        (
            # SKR04 accounts: no SKR03 revenue account (8000-8999) to read
            b"Datum;Konto;Gegenkonto;Betrag;S/H\n02.01.2024;4400;1200;100,00;H\n"
            b"03.01.2024;6815;1200;20,00;S\n",
            "buchungen.csv",
            "bookkeeping journal (postings with 'S/H', 'Konto')",
        ),
    ],
    ids=["datev-extf", "debit-credit", "soll-haben"],
)
def test_a_bookkeeping_journal_is_refused_naming_its_format(data, filename, names):
    from analytics.errors import IngestError

    with pytest.raises(IngestError) as caught:
        ingest_bytes(data, filename)
    message = str(caught.value)
    assert status_for(caught.value) == 400
    assert names in message
    assert "not a sale" in message or "not sales" in message
    assert "Upload a sales export" in message


def test_a_soll_haben_journal_with_revenue_accounts_is_read_as_a_ledger():
    journal = pd.DataFrame(
        {
            "Datum": ["02.01.2024", "03.01.2024", "04.01.2024", "05.01.2024"],
            "Konto": ["10000", "4930", "8400", "1200"],
            "Gegenkonto": ["8400", "1200", "10000", "10000"],
            "Betrag": ["119,00", "20,00", "19,00", "119,00"],
            "S/H": ["S", "S", "S", "S"],
        }
    )
    result = ingest_bytes(journal.to_csv(index=False, sep=";").encode(), "j.csv")
    account = pd.to_numeric(journal["Konto"])
    contra = pd.to_numeric(journal["Gegenkonto"])
    amount = pd.to_numeric(journal["Betrag"].str.replace(",", "."))
    # Soll on the account: a revenue account debited is negative, credited via the
    # contra account positive
    expected = (
        amount[contra.between(8000, 8999)].sum()
        - amount[account.between(8000, 8999)].sum()
    )
    assert result.frame["revenue"].sum() == pytest.approx(expected)
    aside = {e["reason"]: e["count"] for e in result.report["set_aside"]}
    assert aside == {ledgers.OTHER_POSTING: 2}
    assert any(
        "Read as a bookkeeping journal" in a for a in result.report["assumptions"]
    )


def test_a_payment_settled_in_another_currency_takes_its_fee_from_the_fee_columns():
    header = (
        "Creation Date,Type,Gross Currency,Gross Debit (GC),Gross Credit (GC),"
        "Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC),Commission (NC),"
        "Markup (NC)\n"
    )
    rows = (
        "2024-01-02 10:00:00,Settled,EUR,,100.00,1,EUR,,97.00,2.00,1.00\n"
        "2024-01-02 11:00:00,Settled,GBP,,50.00,1.16,EUR,,56.30,1.20,0.50\n"
        "2024-01-03 09:00:00,MerchantPayout,,,,,EUR,153.30,,,\n"
    )
    result = ingest_bytes((header + rows).encode(), "settlement.csv")
    frame = result.frame
    assert frame["revenue"].sum() == pytest.approx(150.00)
    assert frame["cost"].sum() == pytest.approx(3.00 + 1.70)
    assert any("another currency" in a for a in result.report["assumptions"])
    assert any("several currencies (EUR, GBP)" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("General Withdrawal", ledgers.TRANSFER),
        ("Bank Deposit to PP Account", ledgers.TRANSFER),
        ("stripe_fee", ledgers.FEE),
        ("Fee Reversal", ledgers.FEE),
        ("Credit for listing fee", ledgers.FEE),
        ("Payment Reversal", ledgers.REFUND),
        ("Chargeback", ledgers.REFUND),
        ("Reversal of General Account Hold", ledgers.HOLD),
        ("Account Hold for Open Authorization", ledgers.HOLD),
        ("User Initiated Currency Conversion", ledgers.CONVERSION),
        ("Debit Card Purchase", ledgers.SALE),  # negative: money out, set aside
        ("Pago estándar", ledgers.SALE),
        ("Rückzahlung", ledgers.REFUND),
        ("Invoice Sent", ledgers.MEMO),
        ("Furniture", None),
    ],
)
def test_line_kinds_are_read_from_the_type_text(value, kind):
    assert ledgers.kind_of(pd.Series([value], dtype="str")).iloc[0] == kind
