"""Payment-provider and marketplace logs: which lines are sales, which are fees, which
only move money.

Payment processors (PayPal activity downloads and statements, Stripe payments and balance
history, Adyen settlement details) and marketplaces (Etsy monthly statements, Amazon
settlement flat files) write one line per *money movement*. Most of those lines are not
sales: transfers to the bank, currency conversions, holds and their releases, test-mode
payments, fees, taxes the marketplace collects and remits. Summing the amount column of
such a file answers a different question than "what did customers pay".

:func:`detect` recognises such a log by its columns (a gross amount or debit/credit pair
next to a fee or net column and a type, status or mode column; or Amazon's typed amount
columns) and returns a :class:`Layout`; :func:`analytics.ingest.ledger_lines.classify` then sorts every line:

- **revenue**: completed incoming customer payments at their gross amount, refunds,
  reversals and chargebacks as negative amounts; taxes and buyer-paid fees the
  marketplace collects and remits are taken off (they are not the seller's income);
- **cost**: fees on each payment (gross − net, or the fee column) and fee lines
  (commissions, listing and transaction fees, ads, shipping labels, fulfilment fees);
- **set aside**, counted by reason: transfers, payouts and deposits, currency
  conversions, holds and releases, pending or failed payments, payments the business
  made, invoices and memos, test-mode rows, summary rows, shipping kept apart from
  product revenue, reimbursements, lines of a kind that is not recognised.

Lines of one order spread over several rows (Amazon: quantity, price, each fee; Etsy: the
sale and its fees) get one group key, so ingestion can join them into one line.
Pure pandas / numpy; no Dash or Flask.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.ingest.number_parsing import parse_numbers
from analytics.ingest.parsing import clean_text
from analytics.ingest.role_words import normalise_header

__all__ = ["Layout", "Ledger", "detect"]

# ---- set-aside reasons (the quality card lists them as written) --------------------

TRANSFER = "payout or bank transfer (money moved, not a sale)"
CONVERSION = "currency conversion (money changed currency, not a sale)"
HOLD = "authorisation, hold or its release (money held, not a sale)"
PENDING = "pending payment (no money received yet)"
UNPAID = "failed, declined or cancelled payment (no money came in)"
OUTGOING = "payment the business made (money out, not a sale)"
MEMO = "invoice, request or memo (no money moved)"
TEST = "test-mode payment (no money moved)"
SUMMARY = "summary row (the settlement or statement total, not a sale)"
SHIPPING = "shipping charged or shipping promotion (kept apart from product revenue)"
TAX = "tax collected and remitted by the marketplace (not the seller's income)"
REIMBURSEMENT = "reimbursement or other credit from the provider (not a sale)"
UNKNOWN = "line of a kind not recognised as a sale, refund or fee"
EMPTY = "no amount on the line"

# ---- what a Type / Description value says a line is --------------------------------

SALE, REFUND, FEE = "sale", "refund", "fee"
_KINDS: list[tuple[str, re.Pattern[str]]] = [
    (HOLD, re.compile(r"\bhold\b|release|authori[sz]|\breserve|retenci|einbehalt")),
    (CONVERSION, re.compile(r"conversion|umrechnung|conversi[oó]n|exchange|wechsel")),
    (
        TRANSFER,
        re.compile(
            r"withdraw|payout|transfer|deposit|bank|auszahlung|einzahlung|abbuchung|"
            r"berweisung|virement|retrait|retiro|transferencia|dep[oó]sito|top.?up|"
            r"add funds"
        ),
    ),
    (MEMO, re.compile(r"invoice sent|invoice created|request|memo|\bnote\b")),
    # a fee given back is a smaller cost, not a refund to a customer
    (
        FEE,
        re.compile(
            r"\bfees? (?:reversal|refund|credit)|(?:credit|refund) for .*\bfees?\b"
        ),
    ),
    (
        REFUND,
        re.compile(
            r"refund|reversal|reversed|charge.?back|dispute|return|reembolso|devoluci|"
            r"erstattung|r[uü]ckzahlung|remboursement|contracargo|gutschrift"
        ),
    ),
    (
        FEE,
        re.compile(
            r"\bfees?\b|commission|comisi|geb[uü]hr|frais|\bads?\b|advertis|marketing|"
            r"label|postage|listing|subscription fee|service fee|servicefee|cost|"
            r"tarifa|versandetikett|werbung|anzeigen"
        ),
    ),
    (
        SALE,
        re.compile(
            r"payment|\bcharge|\bsale|settled|captured|\bpago|\bcobro|venta|zahlung|"
            r"verkauf|paiement|vente|checkout|\border\b|purchase|donation|received|"
            r"cobrado|pagamento|betaling"
        ),
    ),
]

# ---- columns, by meaning -------------------------------------------------------------

_CCY = r"(?: [a-z]{3}| gc| nc| pc)?"
_GROSS = re.compile(
    rf"^(?:gross|gross amount|amount|bruto|importe bruto|brutto|bruttobetrag|"
    rf"montant brut|montant|importe|betrag|charge amount|total amount|gross sales)"
    rf"{_CCY}$"
)
_NET = re.compile(
    rf"^(?:net|net amount|neto|importe neto|netto|nettobetrag|montant net|net total)"
    rf"{_CCY}$"
)
_FEE = re.compile(
    rf"^(?:fees?|fee amount|fees taxes|fees and taxes|commission|comision|comisiones|"
    rf"gebuhr|gebuhren|gebuhren steuern|gebuhren und steuern|frais|frais taxes|"
    rf"frais et taxes|tarifas|tarifas impuestos|processing fees?|transaction fees?|"
    rf"paypal fee)"
    rf"{_CCY}$"
)
_TYPE = re.compile(
    r"^(?:type|transaction type|event type|activity type|reporting category|kind|typ|"
    r"transaktionstyp|buchungsart|type de transaction|tipo|tipo de transaccion|"
    r"description|descripcion|beschreibung|libelle|category)$"
)
_DESCRIPTION = re.compile(
    r"^(?:title|titel|titre|titulo|description|descripcion|beschreibung|libelle|"
    r"details|subject|item title|memo)$"
)
_STATUS = re.compile(
    r"^(?:status|payment status|transaction status|charge status|state|estado|"
    r"statut|zahlungsstatus|financial status)$"
)
_MODE = re.compile(r"^(?:mode|livemode|live mode|test mode|environment)$")
_CAPTURED = re.compile(r"^(?:captured)$")
_IMPACT = re.compile(r"^(?:balance impact|impact on balance|auswirkung auf guthaben)$")
_REFUNDED = re.compile(
    r"^(?:amount refunded|refunded amount|refund amount|refunded|total refunded)"
    rf"{_CCY}$"
)
_DATE = re.compile(
    r"^(?:date|creation date|created|created utc|created date|created at|"
    r"transaction date|date time|datetime|fecha|datum|posted date|posted date time|"
    r"date posted|booking date|value date)$"
)
_DEBIT = re.compile(r"^(gross|net) debit(?: [a-z]{2,3})?$")
_CREDIT = re.compile(r"^(gross|net) credit(?: [a-z]{2,3})?$")
_ORDER = re.compile(r"^(?:order id|order|order number|order no|info)$")


@dataclass
class Layout:
    """Which columns of a payment or marketplace log say what."""

    kind: str  # "activity log", "settlement report", "settlement flat file"
    date: str | None
    amount: str  # column shown as the revenue column in the mapping
    gross: tuple[str, ...] = ()  # one column, or (credit, debit)
    net: tuple[str, ...] = ()
    fee: tuple[str, ...] = ()
    type: str | None = None
    description: str | None = None
    status: str | None = None
    mode: str | None = None
    captured: str | None = None
    impact: str | None = None  # PayPal's "Balance Impact": Credit, Debit or Memo
    #: Bookkeeping journals: account, contra account and Soll/Haben sign columns.
    account: str | None = None
    contra: str | None = None
    sign: str | None = None
    refunded: str | None = None
    order: str | None = None
    #: Amazon flat files: (type column or None, amount column) pairs.
    pairs: tuple[tuple[str | None, str], ...] = ()
    quantity: str | None = None
    sku: str | None = None
    total: str | None = None
    marketplace: str | None = None


@dataclass
class Ledger:
    """Every line of a log sorted into revenue, cost or a set-aside reason."""

    layout: Layout
    revenue: pd.Series  # float; 0 on cost-only lines; NaN on lines set aside
    cost: pd.Series  # float; NaN where the line carries no fee
    reasons: list[tuple[str, np.ndarray]]
    notes: list[str] = field(default_factory=list)
    #: Lines sharing a key belong to one order and are joined into one line.
    group: np.ndarray | None = None
    quantity: pd.Series | None = None


def header_names(table: pd.DataFrame) -> dict[str, str]:
    """Normalised header → column name (the first column of each normalised header)."""
    out: dict[str, str] = {}
    for name in table.columns:
        out.setdefault(normalise_header(name), str(name))
    return out


def _find(names: dict[str, str], pattern: re.Pattern[str]) -> str | None:
    for norm, name in names.items():
        if pattern.match(norm):
            return name
    return None


def _find_first(
    table: pd.DataFrame, pattern: re.Pattern[str], *, text: bool = False
) -> str | None:
    for name in table.columns:
        if pattern.match(normalise_header(name)) and (
            not text or table[name].dtype == "str"
        ):
            return str(name)
    return None


def lower_text(table: pd.DataFrame, name: str | None) -> pd.Series:
    """A column's cleaned text in lower case (all missing when ``name`` is None)."""
    if name is None:
        return pd.Series(pd.NA, index=table.index, dtype="str")
    return clean_text(table[name]).str.lower()


def kind_of(values: pd.Series) -> pd.Series:
    """Kind of each distinct text value (see ``_KINDS``); None when none fits."""
    uniques = clean_text(values).dropna().unique()
    out: dict[str, str | None] = {}
    for value in uniques:
        low = re.sub(r"[_\-]+", " ", str(value).lower())
        out[value] = next((k for k, rx in _KINDS if rx.search(low)), None)
    return clean_text(values).map(out)


def _type_column(table: pd.DataFrame) -> str | None:
    """A text column whose values name the kind of each line (most of them known)."""
    for name in table.columns:
        if table[name].dtype != "str" or not _TYPE.match(normalise_header(name)):
            continue
        sample = table[name].head(5000)
        kinds = kind_of(sample)
        filled = clean_text(sample).notna()
        if not filled.sum():
            continue
        known_rows = kinds[filled].notna().mean()
        values = pd.DataFrame({"v": clean_text(sample), "k": kinds})[filled]
        known_values = values.groupby("v")["k"].first().notna().mean()
        if known_rows >= 0.6 or (known_rows >= 0.4 and known_values >= 0.6):
            return str(name)
    return None


def detect(table: pd.DataFrame) -> Layout | None:
    """The layout of a payment-provider or marketplace log, or None for other tables."""
    names = header_names(table)
    journal = _journal(table, names)
    if journal is not None:
        return journal
    flat = _flat_file(table, names)
    if flat is not None:
        return flat
    credit = [c for n, c in names.items() if _CREDIT.match(n)]
    debit = [c for n, c in names.items() if _DEBIT.match(n)]
    pairs: dict[str, tuple[str, str]] = {}
    for c in credit:
        side = _CREDIT.match(normalise_header(c)).group(1)  # type: ignore[union-attr]
        for d in debit:
            if _DEBIT.match(normalise_header(d)).group(1) == side:  # type: ignore[union-attr]
                pairs.setdefault(side, (c, d))
    gross = _find(names, _GROSS)
    net = _find(names, _NET)
    fee = _find(names, _FEE)
    if "net sales" in names and "total collected" in names:
        # Square transactions: "Gross Sales" is before discounts and "Net Total" is
        # after tax, tips and fees; the sales are "Net Sales", the fees "Fees"
        gross, net = names["net sales"], None
    if "gross" not in pairs and (gross is None or (net is None and fee is None)):
        return None  # no amounts of a log: stop before looking at any values
    type_col = _type_column(table)
    if "gross" in pairs and type_col is not None:
        return Layout(
            kind="settlement report",
            date=_find_first(table, _DATE),
            amount=pairs["gross"][0],
            gross=pairs["gross"],
            net=pairs.get("net", ()),
            fee=tuple(
                c
                for n, c in names.items()
                if re.match(r"^(?:commission|markup|scheme fees?|interchange)\b", n)
            ),
            type=type_col,
            status=_find_first(table, _STATUS, text=True),
        )
    if gross is None:
        return None
    status = _find_first(table, _STATUS, text=True)
    mode = _find_first(table, _MODE)
    if net is None and fee is None:
        return None
    if type_col is None and status is None and mode is None:
        return None
    description = _find_first(table, _DESCRIPTION, text=True)
    return Layout(
        kind="activity log",
        date=_find_first(table, _DATE),
        amount=gross,
        gross=(gross,),
        net=(net,) if net else (),
        fee=(fee,) if fee else (),
        type=type_col,
        description=description if description != type_col else None,
        status=status,
        mode=mode,
        captured=_find_first(table, _CAPTURED),
        impact=_find_first(table, _IMPACT, text=True),
        refunded=_find(names, _REFUNDED),
        order=_find_first(table, _ORDER, text=True),
    )


def _flat_file(table: pd.DataFrame, names: dict[str, str]) -> Layout | None:
    """Amazon-style settlement flat file: a transaction type, several ``X type`` /
    ``X amount`` column pairs, one amount filled per line."""
    ttype = names.get("transaction type")
    if ttype is None:
        return None
    pairs: list[tuple[str | None, str]] = []
    for norm, name in names.items():
        if not norm.endswith(" amount") or norm == "total amount":
            continue
        stem = norm[: -len(" amount")]
        kind = names.get(f"{stem} type") or names.get(f"{stem} reason description")
        pairs.append((kind, name))
    typed = [p for p in pairs if p[0] is not None]
    if len(typed) < 2 or "price amount" not in names:
        return None
    order = names.get("order id")
    return Layout(
        kind="settlement flat file",
        date=names.get("posted date") or names.get("posted date time"),
        amount=names["price amount"],
        type=ttype,
        pairs=tuple(pairs),
        order=order,
        quantity=names.get("quantity purchased"),
        sku=names.get("sku"),
        total=names.get("total amount"),
        marketplace=names.get("marketplace name"),
    )


def role_overrides(layout: Layout) -> Mapping[str, str | None]:
    """Columns a detected log puts in the role mapping (the rest stays as detected)."""
    out: dict[str, str | None] = {
        "revenue": layout.amount,
        "cost": None,
        "profit": None,
    }
    if layout.date:
        out["date"] = layout.date
    if layout.kind == "journal":
        out.update(sku=None, quantity=None, unit_price=None, category=None)
        return out
    if layout.kind == "settlement flat file":
        out["quantity"] = layout.quantity
        out["unit_price"] = None
        out["sku"] = layout.sku
        out["category"] = layout.type
    else:
        out["unit_price"] = None
    return out


_CURRENCY = re.compile(
    r"^(?:currency|currency code|gross currency|net currency|divisa|moneda|wahrung|"
    r"devise|monnaie|valuta)$"
)


def currencies(table: pd.DataFrame, ledger: Ledger) -> list[str]:
    """ISO codes named on the lines with revenue, most used first (or the codes
    anywhere in the file, e.g. on a summary row, when those lines name none)."""
    name = _find_first(table, _CURRENCY, text=True)
    if name is None:
        return []
    codes = clean_text(table[name]).str.upper().str.strip()
    used = codes[(ledger.revenue.fillna(0.0) != 0).to_numpy()].dropna()
    counts = (used if len(used) else codes.dropna()).value_counts()
    return [str(c) for c in counts.index if re.fullmatch(r"[A-Z]{3}", str(c))]


def join_lines(
    frame: pd.DataFrame, group: np.ndarray | None
) -> tuple[pd.DataFrame, int]:
    """Join the lines of one order (same ``group`` key ≥ 0) into one line, and charges
    without an order (no revenue, key < 0) into one line per day.

    The joined line takes the date, row number and text of the order's revenue line, the
    sum of revenue, cost and quantity. Returns the frame (canonical columns, in source
    order) and how many lines were joined into another.
    """
    n = len(frame)
    if n == 0:
        return frame, 0
    key = np.full(n, -1, dtype="int64") if group is None else group.astype("int64")
    key = key.copy()
    revenue = frame["revenue"].to_numpy()
    top = int(key.max()) + 1
    days, _ = pd.factorize(frame["date"].dt.normalize())
    charge = (key < 0) & (revenue == 0) & (days >= 0)
    key[charge] = top + days[charge]
    top += int(days.max()) + 1 if days.size else 0
    single = key < 0
    key[single] = top + np.arange(int(single.sum()))
    if len(np.unique(key)) == n:
        return frame, 0
    order = np.lexsort((revenue == 0, key))
    work = frame.iloc[order].reset_index(drop=True)
    work["_key"] = key[order]
    grouped = work.groupby("_key", sort=False)
    summed = ["revenue", "cost", "quantity"]
    sums = grouped[summed].sum(min_count=1)
    # Every other column (the order id, the file's dimensions and measures) is the
    # order's sale line's own value.
    kept = [c for c in frame.columns if c not in (*summed, "profit")]
    firsts = grouped[kept].first()
    out = pd.concat([firsts, sums], axis=1)
    out["revenue"] = out["revenue"].fillna(0.0)
    out["profit"] = out["revenue"] - out["cost"]
    out = out.sort_values("source_row", kind="stable").reset_index(drop=True)
    return out[list(frame.columns)], n - len(out)


# --------------------------------------------------------------------------- journals

_SH = re.compile(
    r"^(?:soll haben(?: kennzeichen| kz)?|s h|debit credit(?: indicator)?|dr cr|"
    r"debe haber)$"
)
_JOURNAL_DEBIT = re.compile(r"^(?:debit|debits|soll|debe|debit amount|dr|debet)$")
_JOURNAL_CREDIT = re.compile(r"^(?:credit|credits|haben|haber|credit amount|cr)$")
_ACCOUNT = re.compile(
    r"^(?:account|account no|account number|account code|gl account|ledger account|"
    r"konto|kontonummer|sachkonto|compte|cuenta|conto)$"
)


_JOURNAL_AMOUNT = re.compile(
    r"^(?:umsatz|umsatz ohne soll haben kz|betrag|buchungsbetrag|amount|montant|importe)$"
)
_CONTRA = re.compile(
    r"^(?:gegenkonto|gegenkonto ohne bu schlussel|contra account|offset account|"
    r"contrepartie|contrapartida)$"
)
#: SKR03 revenue accounts (Erlöse): the only range read without a chart in the file.
REVENUE_ACCOUNTS = (8000, 8999)
OTHER_POSTING = "posting between other accounts (not a revenue account)"


def _journal(table: pd.DataFrame, names: dict[str, str]) -> Layout | None:
    """A journal of postings with a Soll/Haben sign, an account and an amount."""
    sign = _find(names, _SH)
    account = _find(names, _ACCOUNT)
    amount = _find(names, _JOURNAL_AMOUNT)
    if sign is None or account is None or amount is None:
        return None
    return Layout(
        kind="journal",
        date=_find_first(table, _JOURNAL_DATE) or _find_first(table, _DATE),
        amount=amount,
        account=account,
        contra=_find(names, _CONTRA),
        sign=sign,
    )


_JOURNAL_DATE = re.compile(r"^(?:belegdatum|buchungsdatum|datum|date|posting date)$")


def _revenue_sides(
    table: pd.DataFrame, layout: Layout
) -> tuple[np.ndarray, np.ndarray]:
    low, high = REVENUE_ACCOUNTS

    def in_range(name: str | None) -> np.ndarray:
        if name is None:
            return np.zeros(len(table), dtype=bool)
        number = pd.to_numeric(clean_text(table[name]), errors="coerce")
        return number.between(low, high).to_numpy()

    on_account = in_range(layout.account)
    return on_account, in_range(layout.contra) & ~on_account


def classify_journal(table: pd.DataFrame, layout: Layout, decimal: str) -> Ledger:
    """Sort the postings of a bookkeeping journal: revenue is the postings on revenue
    accounts (credits positive, debits negative); other postings are set aside."""
    amount = parse_numbers(table[layout.amount], decimal=decimal).values.abs()
    sign = lower_text(table, layout.sign).str.strip().str[:1]
    credit = sign.isin(["h", "c", "k"]).to_numpy()  # Haben, credit, Kredit
    debit = sign.isin(["s", "d"]).to_numpy()  # Soll, debit
    on_account, on_contra = _revenue_sides(table, layout)
    # the sign is the account's side: revenue grows when a revenue account is credited
    plus = (on_account & credit) | (on_contra & debit)
    minus = (on_account & debit) | (on_contra & credit)
    revenue = pd.Series(np.nan, index=table.index)
    revenue[plus] = amount[plus]
    revenue[minus] = -amount[minus]
    other = ~(plus | minus)
    low, high = REVENUE_ACCOUNTS
    where = f"'{layout.account}'" + (f" or '{layout.contra}'" if layout.contra else "")
    notes = [
        f"Read as a bookkeeping journal: revenue is the postings on revenue accounts "
        f"{low}–{high} (SKR03 Erlöse) in {where}, credits ({layout.sign} = H) positive, "
        f"debits negative; {int(plus.sum())} credit(s), {int(minus.sum())} debit(s). "
        "Amounts are taken as posted (on automatic VAT accounts they include the VAT)."
    ]
    reasons = [(OTHER_POSTING, other)] if other.any() else []
    if other.any():
        notes.append(f"Set aside {int(other.sum())} row(s): {OTHER_POSTING}.")
    return Ledger(
        layout=layout,
        revenue=revenue,
        cost=pd.Series(np.nan, index=table.index),
        reasons=reasons,
        notes=notes,
    )


def journal_message(first_row: list[str], table: pd.DataFrame) -> str | None:
    """A message refusing a bookkeeping journal, or None for other files.

    A journal (DATEV's EXTF/DTVF "Buchungsstapel", or any table of postings with a
    debit/credit sign or debit and credit columns next to an account) lists each
    amount twice, once per side, between accounts of every kind: summing it as sales
    would be wrong, so it is refused with a message naming the format.
    """
    first = next((str(c).strip().strip('"') for c in first_row if str(c).strip()), "")
    names = header_names(table)
    sign = _find(names, _SH)
    if first.upper() in ("EXTF", "DTVF"):
        return (
            "This file is a DATEV bookkeeping export (EXTF Buchungsstapel): each line is "
            "a posting between two accounts with a Soll/Haben sign, not a sale, so "
            "adding up its amounts would not give revenue. Upload a sales export instead "
            "(from your shop, till or invoicing program) or a profit-and-loss report."
        )
    debit, credit = _find(names, _JOURNAL_DEBIT), _find(names, _JOURNAL_CREDIT)
    account = _find(names, _ACCOUNT)
    if sign is not None:
        layout = _journal(table, names)
        if layout is not None and any(m.any() for m in _revenue_sides(table, layout)):
            return None  # read as a journal: its revenue accounts are known
    if sign is not None or (debit and credit and account):
        shown = ", ".join(f"'{c}'" for c in (sign, debit, credit, account) if c)
        return (
            f"This file looks like a bookkeeping journal (postings with {shown}): its "
            "amounts are debits and credits between accounts, not sales, so adding them "
            "up would not give revenue. Upload a sales export instead (from your shop, "
            "till or invoicing program) or a profit-and-loss report."
        )
    return None
