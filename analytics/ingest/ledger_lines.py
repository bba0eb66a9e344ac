"""Every line of a payment-provider or marketplace log sorted into revenue, cost or a
set-aside reason (see :mod:`analytics.ingest.ledgers`, which detects the log's layout):
activity logs and settlement reports line by line, Amazon settlement flat files by
their typed amount columns, bookkeeping journals by account."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analytics.ingest.ledgers import (
    CONVERSION,
    EMPTY,
    FEE,
    HOLD,
    MEMO,
    OUTGOING,
    PENDING,
    REFUND,
    REIMBURSEMENT,
    SALE,
    SHIPPING,
    SUMMARY,
    TAX,
    TEST,
    TRANSFER,
    UNKNOWN,
    UNPAID,
    Layout,
    Ledger,
    classify_journal,
    header_names,
    kind_of,
    lower_text,
)
from analytics.ingest.number_parsing import parse_numbers
from analytics.ingest.parsing import clean_text
from analytics.ingest.role_words import normalise_header

__all__ = ["classify"]

#: Descriptions of taxes and buyer-paid fees the marketplace collects and remits.
_PASS_THROUGH = re.compile(
    r"paid by buyer|refund to buyer for (?:sales )?(?:tax|vat)|collected by|remitted by|"
    r"marketplace facilitator|facilitator tax|withheld tax|vom k[aä]ufer bezahlt|"
    r"pay[ée]e? par l'acheteur|pagado por el comprador"
)
_STATUS_PENDING = re.compile(
    r"^(?:pending|held|on hold|unclaimed|uncleared|processing|in progress|authori[sz]ed|"
    r"requires_capture|requires capture|open|unpaid|ausstehend|en attente|pendiente)$"
)
_STATUS_FAILED = re.compile(
    r"^(?:failed|failure|declined|denied|rejected|blocked|void|voided|expired|cancell?ed|"
    r"canceled|abandoned|incomplete|requires_payment_method|payment failed|"
    r"fehlgeschlagen|abgelehnt|storniert|abgebrochen|echoue|refuse|annule|fallido|"
    r"rechazado|cancelado)$"
)


def _number(table: pd.DataFrame, names: tuple[str, ...], decimal: str) -> pd.Series:
    """One signed amount from a column, or credit − debit from a pair (NaN when empty)."""
    if not names:
        return pd.Series(np.nan, index=table.index)
    first = parse_numbers(table[names[0]], decimal=decimal).values
    if len(names) == 1:
        return first
    second = parse_numbers(table[names[1]], decimal=decimal).values
    both = first.isna() & second.isna()
    return (first.fillna(0.0) - second.fillna(0.0)).where(~both)


def _sum(table: pd.DataFrame, names: tuple[str, ...], decimal: str) -> pd.Series:
    if not names:
        return pd.Series(np.nan, index=table.index)
    parts = [parse_numbers(table[n], decimal=decimal).values for n in names]
    return pd.concat(parts, axis=1).sum(axis=1, min_count=1)


def classify(table: pd.DataFrame, layout: Layout, *, decimal: str = ".") -> Ledger:
    """Sort every line of ``table`` (see the module docstring)."""
    if layout.kind == "settlement flat file":
        return _classify_flat(table, layout, decimal)
    if layout.kind == "journal":
        return classify_journal(table, layout, decimal)
    return _classify_log(table, layout, decimal)


def _type_counts(values: pd.Series, mask: np.ndarray) -> str:
    counts = clean_text(values[mask]).value_counts()
    shown = [f"{n} '{v}'" for v, n in counts.head(4).items()]
    return ", ".join(shown) + (" …" if len(counts) > 4 else "")


def _classify_log(table: pd.DataFrame, layout: Layout, decimal: str) -> Ledger:
    n = len(table)
    gross = _number(table, layout.gross, decimal)
    net = _number(table, layout.net, decimal)
    fee = _sum(table, layout.fee, decimal)
    kind = (
        kind_of(table[layout.type])
        if layout.type
        else pd.Series(SALE, index=table.index, dtype=object)
    )
    if layout.description:
        passing = lower_text(table, layout.description).str.contains(_PASS_THROUGH)
        kind = kind.where(~passing.fillna(False).to_numpy(), TAX)
    status = lower_text(table, layout.status).str.strip()
    mode = lower_text(table, layout.mode).str.strip()

    unset = np.ones(n, dtype=bool)
    reasons: list[tuple[str, np.ndarray]] = []
    notes: list[str] = []

    def take(reason: str, mask: np.ndarray, why: str | None = None) -> None:
        nonlocal unset
        mask = np.asarray(mask, dtype=bool) & unset
        if mask.any():
            reasons.append((reason, mask))
            unset &= ~mask
            if why is None and layout.type and reason != EMPTY:
                label = _type_counts(table[layout.type], mask)
                why = f"Set aside {{count}} row(s) ({label}): {reason}."
            if why:
                notes.append(why.format(count=int(mask.sum())))

    test = mode.isin(["test", "false", "sandbox", "0"]).to_numpy()
    take(
        TEST,
        test,
        f"Set aside {{count}} test-mode row(s) ('{layout.mode}' says Test): test "
        "payments move no money.",
    )
    if layout.captured:
        not_captured = lower_text(table, layout.captured).isin(["false", "no", "0"])
        take(HOLD, not_captured.to_numpy())
    if layout.impact:
        memo = lower_text(table, layout.impact).str.strip().eq("memo").fillna(False)
        take(
            MEMO,
            memo.to_numpy(),
            f"Set aside {{count}} row(s) ('{layout.impact}' is Memo): {MEMO}.",
        )
    amount_kind = kind.to_numpy(dtype=object)
    for reason in (HOLD, CONVERSION, TRANSFER, MEMO):
        take(reason, amount_kind == reason)
    pending = status.str.match(_STATUS_PENDING).fillna(False).to_numpy()
    failed = status.str.match(_STATUS_FAILED).fillna(False).to_numpy()
    has_gross = gross.notna().to_numpy()
    positive = (gross > 0).to_numpy()
    take(PENDING, pending & (amount_kind != FEE))
    take(UNPAID, failed & (positive | ~has_gross))
    incoming = (amount_kind == SALE) & positive
    outgoing = (amount_kind == SALE) & (gross < 0).to_numpy()
    take(OUTGOING, outgoing)
    sale = incoming & unset
    refund = (amount_kind == REFUND) & has_gross & unset
    tax = (amount_kind == TAX) & unset
    # a line whose only amount is in the fee column is a charge (labels, listing fees)
    fee_line = ((amount_kind == FEE) | (~has_gross & fee.notna().to_numpy())) & unset
    fee_line &= ~tax
    take(
        UNKNOWN,
        ~(sale | refund | tax | fee_line) & (has_gross | net.notna()).to_numpy(),
    )
    take(EMPTY, unset & ~(sale | refund | tax | fee_line))

    # fee of each payment: gross − net where both are known, else the fee column
    if layout.net:
        paid_fee = (gross - net).where(net.notna(), np.nan)
        names = header_names(table)
        gross_ccy, net_ccy = names.get("gross currency"), names.get("net currency")
        if gross_ccy and net_ccy:
            # settled in another currency than charged: gross − net mixes currencies,
            # so the fee is the sum of the fee columns (already in the net currency)
            other = (
                clean_text(table[gross_ccy]).str.upper()
                != clean_text(table[net_ccy]).str.upper()
            ).to_numpy() & (sale | ((amount_kind == REFUND) & has_gross))
            if other.any():
                paid_fee[other] = fee[other].abs() if layout.fee else np.nan
                notes.append(
                    f"{int(other.sum())} payment(s) were paid out in another currency "
                    f"than charged ('{gross_ccy}' ≠ '{net_ccy}'): their fee is the sum "
                    "of the fee columns."
                )
    else:
        sign = -1.0 if fee[sale].median() < 0 else 1.0
        paid_fee = fee * sign
    if layout.refunded:
        refunded = parse_numbers(table[layout.refunded], decimal=decimal).values
        refunded = refunded.abs().fillna(0.0)
    else:
        refunded = pd.Series(0.0, index=table.index)
    charge = net.where(net.notna(), gross.where(gross.notna(), fee))
    if not layout.net and fee[sale].median() > 0:
        charge = gross.where(gross.notna(), -fee)

    revenue = pd.Series(np.nan, index=table.index)
    cost = pd.Series(np.nan, index=table.index)
    revenue[sale | refund] = (gross - refunded)[sale | refund]
    cost[sale | refund] = paid_fee[sale | refund]
    revenue[tax] = charge[tax]
    revenue[fee_line] = 0.0
    cost[fee_line] = -charge[fee_line]

    money = (revenue.notna() | cost.notna()).to_numpy()
    if refunded[sale].sum():
        notes.append(
            f"Revenue is {layout.amount} minus {layout.refunded} (refunds taken off, "
            "so totals are net)."
        )
    where = f" ('{layout.type}')" if layout.type else ""
    notes.insert(
        0,
        f"Read as a payment or marketplace {layout.kind}{where}: revenue is the gross amount "
        f"({' − '.join(repr(c) for c in layout.gross)}) of {int(sale.sum())} "
        "completed incoming payment(s)"
        + (
            f", net of {int(refund.sum())} refund(s) or reversal(s)"
            if refund.any()
            else ""
        )
        + ".",
    )
    fee_total = float(cost[money].sum())
    if cost.notna().any():
        notes.append(
            f"Fees taken as cost: {fee_total:,.2f} ("
            + (
                "gross − net of each payment"
                if layout.net
                else f"the '{layout.fee[0]}' column"
                if layout.fee
                else "fee lines"
            )
            + (
                f"; {int(fee_line.sum())} fee or charge line(s)"
                if fee_line.any()
                else ""
            )
            + ")."
        )
    if tax.any():
        notes.append(
            f"{int(tax.sum())} tax or buyer-paid fee line(s) the marketplace collects and "
            f"remits ({-float(revenue[tax].sum()):,.2f}) taken off revenue: they are not "
            "the seller's income."
        )
    group = None
    if layout.order and layout.type:
        group = _order_groups(table, layout, sale, fee_line | tax)
    return Ledger(
        layout=layout,
        revenue=revenue,
        cost=cost,
        reasons=reasons,
        notes=notes,
        group=group,
    )


_ORDER_NO = r"(?i)order\s*(?:#|no\.?|number)?\s*:?\s*(\d[\w-]*)"


def _order_groups(
    table: pd.DataFrame, layout: Layout, sale: np.ndarray, joinable: np.ndarray
) -> np.ndarray | None:
    """Group keys joining fee lines to the sale line of the same order.

    The order number is read from the order column, or from text like "Order #123" in
    the order or description columns; fee lines whose order has no sale in the file, and
    charges without an order, are joined per day by the caller's date.
    """
    texts = [table[layout.order]]
    if layout.description:
        texts.append(table[layout.description])
    number = pd.Series(pd.NA, index=table.index, dtype="str")
    for text in texts:
        found = clean_text(text).str.extract(_ORDER_NO, expand=False)
        number = number.fillna(found)
    if number.notna().sum() == 0:
        return None
    sold = set(number[sale].dropna())
    key = np.full(len(table), -1, dtype="int64")
    codes, _ = pd.factorize(number)
    has = number.isin(sold).to_numpy() & (sale | joinable)
    key[has] = codes[has]
    return key


def _classify_flat(table: pd.DataFrame, layout: Layout, decimal: str) -> Ledger:
    n = len(table)
    ttype = lower_text(table, layout.type).fillna("")
    parts = {
        name: parse_numbers(table[name], decimal=decimal).values
        for _, name in layout.pairs
    }
    amount = pd.concat(parts.values(), axis=1).sum(axis=1, min_count=1)
    part = pd.Series("", index=table.index, dtype=object)
    part_type = pd.Series("", index=table.index, dtype=object)
    for kind_col, name in layout.pairs:
        filled = parts[name].notna()
        stem = normalise_header(name)[: -len(" amount")]
        part = part.where(~filled, stem)
        if kind_col is not None:
            part_type = part_type.where(~filled, lower_text(table, kind_col).fillna(""))
    unset = np.ones(n, dtype=bool)
    reasons: list[tuple[str, np.ndarray]] = []
    notes: list[str] = []

    def take(reason: str, mask: np.ndarray) -> None:
        nonlocal unset
        mask = np.asarray(mask, dtype=bool) & unset
        if mask.any():
            reasons.append((reason, mask))
            unset &= ~mask

    has_amount = amount.notna().to_numpy()
    if layout.total:
        total = parse_numbers(table[layout.total], decimal=decimal).values
        take(SUMMARY, (total.notna() & (ttype == "")).to_numpy())
    take(
        REIMBURSEMENT,
        ttype.str.contains("reimburs").to_numpy()
        | ((part == "other") & (amount > 0)).to_numpy(),
    )
    is_tax = part_type.str.contains(r"tax|facilitator").to_numpy() & np.isin(
        part.to_numpy(), ["price", "item related fee", "promotion"]
    )
    is_tax &= ~ttype.str.contains("servicefee|service fee").to_numpy()
    take(TAX, is_tax)
    shipping = part_type.str.contains("shipping") & part.isin(["price", "promotion"])
    take(SHIPPING, shipping.to_numpy())
    principal = (
        part.isin(["price", "promotion"]) & part_type.str.contains("principal")
    ).to_numpy() & unset
    charge = has_amount & ~principal & unset & (amount <= 0).to_numpy()
    charge |= (
        has_amount
        & unset
        & part.isin(
            ["item related fee", "shipment fee", "order fee", "misc fee", "other fee"]
        ).to_numpy()
    )
    charge &= ~principal
    quantity_only = ~has_amount & unset
    if layout.quantity:
        qty = parse_numbers(table[layout.quantity], decimal=decimal).values
        quantity_only &= qty.notna().to_numpy()
    else:
        qty = pd.Series(np.nan, index=table.index)
        quantity_only[:] = False
    take(UNKNOWN, has_amount & ~principal & ~charge & unset)
    take(EMPTY, ~has_amount & ~quantity_only & unset)

    revenue = pd.Series(np.nan, index=table.index)
    cost = pd.Series(np.nan, index=table.index)
    revenue[principal] = amount[principal]
    revenue[charge | quantity_only] = 0.0
    cost[charge] = -amount[charge]

    # one group per order item (an order's quantity, price and fee lines) and per
    # refund; charges without an order are joined per day by the caller
    order = lower_text(table, layout.order)
    item = lower_text(table, layout.sku)
    key_text = (
        ttype.where(ttype != "", "?") + "|" + order.fillna("") + "|" + item.fillna("")
    )
    has_order = order.notna().to_numpy() & (principal | charge | quantity_only)
    codes, _ = pd.factorize(key_text)
    group = np.where(has_order, codes, -1).astype("int64")
    # units count where the item was sold (not multi-channel orders with no price)
    sold_groups = np.unique(group[principal & (amount != 0).to_numpy() & (group >= 0)])
    in_sold = np.isin(group, sold_groups)
    quantity = qty.where(pd.Series(quantity_only & in_sold, index=table.index))

    pieces = []
    for kind_col, name in layout.pairs:
        values = parts[name][charge]
        label = (
            clean_text(table[kind_col])[charge]
            if kind_col is not None
            else pd.Series(table[name].name, index=values.index, dtype=object)
        )
        filled = values.notna()
        pieces.append(values[filled].groupby(label[filled].to_numpy()).sum())
    by_kind = pd.concat(pieces).groupby(level=0).sum().sort_values()
    listed = ", ".join(f"{k} {v:,.2f}" for k, v in by_kind.head(6).items())
    notes.append(
        "Read as a marketplace settlement file ('"
        + str(layout.type)
        + f"'): revenue is the item price ('Principal') of {int((principal & (amount > 0).to_numpy()).sum())} "
        f"order line(s), net of {int((principal & (amount < 0).to_numpy()).sum())} refund(s)."
    )
    notes.append(
        f"Fees taken as cost: {-float(amount[charge].sum()):,.2f} ({listed}"
        + (" …" if len(by_kind) > 6 else "")
        + ")."
    )
    for reason, mask in reasons:
        if reason in (SHIPPING, TAX, REIMBURSEMENT):
            notes.append(
                f"Kept apart from revenue: {int(mask.sum())} line(s), "
                f"{float(amount[mask].sum()):,.2f} — {reason}."
            )
    if layout.total:
        total = parse_numbers(table[layout.total], decimal=decimal).values
        summary = total.dropna()
        if len(summary):
            notes.append(
                f"The summary row's total ({float(summary.iloc[0]):,.2f}) is the payout, "
                "not sales; it was set aside."
            )
    return Ledger(
        layout=layout,
        revenue=revenue,
        cost=cost,
        reasons=reasons,
        notes=notes,
        group=group,
        quantity=quantity,
    )
