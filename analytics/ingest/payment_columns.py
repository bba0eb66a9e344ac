"""Columns of payment and shop exports that change which rows are sales or what they
are worth: a Type column (payouts and transfers), a Status column (failed or cancelled
payments), a refunded-amount column and a currency column."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from analytics.ingest.number_parsing import CURRENCY_CODES, parse_numbers
from analytics.ingest.orders import order_key
from analytics.ingest.parsing import clean_text, missing_mask
from analytics.ingest.role_words import normalise_header
from analytics.schema import CUSTOMER, QUANTITY, REVENUE, SKU

TRANSFER_REASON = "payout or bank transfer (money moved, not a sale)"
#: Headers of the column that says what kind of line it is (payment exports).
_TYPE_HEADER = re.compile(
    r"^(?:type|transaction type|event type|reporting category|activity type|"
    r"balance type|kind|typ|transaktionstyp|buchungsart|type de transaction|tipo)$"
)
#: Line kinds that move money between the account and the bank (RE2, whole value).
_TRANSFER_KIND = (
    r"(?i)^\s*(?:payouts?|transfers?|bank transfers?|general withdrawal|withdrawals?|"
    r"withdrawal to bank|transfer to bank(?: account)?|bank deposit to pp account|"
    r"general currency conversion|currency conversion|payout_failure|payout_cancel|"
    r"auszahlung|überweisung|ueberweisung|virement|retrait|versement)\s*$"
)


#: Headers of a column holding the part of each line's amount that was refunded.
_REFUND_HEADER = re.compile(
    r"^(?:(?:converted )?amount refunded|refunded amount|refund amount|refunded|"
    r"refunds?|refunded total|total refunded|refund total|total refunds|erstattet|"
    r"erstatteter betrag|erstattungsbetrag|montant rembours[ée]|rembours[ée]|"
    r"reembolsado|importe reembolsado)"
    # a currency code or "incl. tax" after the name: "Refund Amount (GBP)"
    r"(?: [a-z]{3}| incl tax| inc tax| including tax)?$"
)


def refund_column(
    table: pd.DataFrame, mapping: Mapping[str, str | None], decimal: str
) -> tuple[str, pd.Series] | None:
    """A column of refunded amounts next to the revenue column (payment exports such as
    Stripe's: "Amount" and "Amount Refunded" on every line), parsed as numbers.

    Only when it is filled on (nearly) every line the revenue is: an order-level refund
    written on an order's first line only cannot be put against the right lines.
    """
    mapped = {c for c in mapping.values() if c}
    amount = mapping[REVENUE] or mapping[QUANTITY]
    if amount is None:
        return None
    revenue_name = normalise_header(mapping[REVENUE] or "")
    revenue_filled = (~missing_mask(table[amount])).sum()
    candidates = [
        name
        for name in table.columns
        if name not in mapped and _REFUND_HEADER.match(normalise_header(name))
    ]
    # "Converted Amount" goes with "Converted Amount Refunded", "Amount" with "Amount
    # Refunded": the same name (and so the same currency) first.
    candidates.sort(
        key=lambda name: (
            not normalise_header(name).startswith(revenue_name),
            normalise_header(name).startswith("converted")
            != revenue_name.startswith("converted"),
        )
    )
    key_name = order_key(table, mapping) if candidates else None
    run = None
    if key_name is not None:
        key = clean_text(table[key_name])
        run = (key != key.shift()).cumsum().to_numpy()
    for name in candidates:
        parsed = parse_numbers(table[name], decimal=decimal)
        values = parsed.values
        if run is not None:
            # an order's refund on its first line only, or repeated on each of its
            # lines: taken once per order
            first = np.r_[True, run[1:] != run[:-1]]
            orders = int(first.sum())
            repeated = values.groupby(run).nunique(dropna=False).max() == 1
            if int(values[first].notna().sum()) >= 0.9 * orders and (
                values[~first].isna().all() or repeated
            ):
                return str(name), values.where(first)
        if parsed.valid == 0 or parsed.valid < 0.9 * revenue_filled:
            continue
        return str(name), values
    return None


#: Headers of a column naming each line's currency.
_CURRENCY_HEADER = re.compile(
    r"^(?:currency|currency code|curr|ccy|währung|waehrung|devise|monnaie|moneda|valuta)$"
)


def currency_column(
    table: pd.DataFrame, mapping: Mapping[str, str | None], keep: np.ndarray
) -> tuple[str, list[str]] | None:
    """A column naming each line's currency, and the ISO codes in it (most used first)."""
    mapped = {c for c in mapping.values() if c}
    for name in table.columns:
        column = table[name]
        if column.dtype != "str" or name in mapped:
            continue
        if not _CURRENCY_HEADER.match(normalise_header(name)):
            continue
        codes = column[keep].str.strip().str.upper().value_counts()
        known = [c for c in codes.index if c in CURRENCY_CODES]
        if known and codes[known].sum() >= 0.9 * codes.sum():
            return str(name), [("CNY" if c == "RMB" else c) for c in known]
    return None


UNPAID_REASON = "failed, declined or cancelled payment (no money came in)"
#: Headers of the column that says whether a payment or order went through.
_STATUS_HEADER = re.compile(
    # "Status", "Financial Status", "Order Payment Status (Shop)", "Bestellstatus" …,
    # but not the status of shipping, fulfilment or a line item
    r"^(?!.*(?:fulfil|ship|deliver|versand|liefer|livraison|envio|line|item|artikel|"
    r"position|stock|lager|inventory|customer|kunde|billing|address))"
    r"(?:(?:[a-z]+ ){0,2}(?:status|state)|[a-z]*status|statut(?: [a-z ]+)?|"
    r"estado(?: [a-z ]+)?)(?: [a-z]+){0,2}$"
)
#: Headers of a column holding when an order was cancelled (Shopify's "Cancelled at").
_CANCELLED_AT = re.compile(
    r"^(?:cancell?ed at|cancell?ed date|date cancell?ed|storniert am)$"
)
#: Statuses of payments that did not go through (RE2, whole value).
_UNPAID_STATUS = (
    r"(?i)^\s*(?:failed|failure|declined|denied|rejected|blocked|void|voided|expired|"
    r"cancell?ed|abandoned|incomplete|requires_payment_method|payment failed|"
    r"fehlgeschlagen|abgelehnt|storniert|abgebrochen|échoué|echoue|refusé|refuse|"
    r"annulé|annule|fallido|rechazado|cancelado)\s*$"
)


def transfer_rows(table: pd.DataFrame, mapping: Mapping[str, str | None]) -> np.ndarray:
    """Lines of a payment export that move money to or from the bank (payouts,
    withdrawals, transfers), named as such in a Type column: not sales."""
    return _rows_saying(table, mapping, _TYPE_HEADER, _TRANSFER_KIND)


def unpaid_rows(
    table: pd.DataFrame, mapping: Mapping[str, str | None], revenue: pd.Series
) -> np.ndarray:
    """Positive lines whose Status column says the payment failed or the order was
    cancelled before it was paid: no money came in. Negative lines with such a status
    are kept (they undo an earlier sale, so totals stay net)."""
    failed = _rows_saying(table, mapping, _STATUS_HEADER, _UNPAID_STATUS)
    for name in table.columns:
        if _CANCELLED_AT.match(normalise_header(name)):
            failed |= (~missing_mask(table[name])).to_numpy()
    key_name = order_key(table, mapping)
    if key_name is not None and failed.any():
        # the status is often written on an order's first line only
        key = clean_text(table[key_name])
        run = (key != key.shift()).cumsum().to_numpy()
        failed = pd.Series(failed).groupby(run).transform("any").to_numpy()
    return failed & (revenue > 0).to_numpy()


def _rows_saying(
    table: pd.DataFrame,
    mapping: Mapping[str, str | None],
    header: re.Pattern[str],
    values: str,
) -> np.ndarray:
    """Rows whose value in a text column with a ``header``-matching name fits ``values``."""
    out = np.zeros(len(table), dtype=bool)
    for name in table.columns:
        column = table[name]
        if column.dtype != "str" or not header.match(normalise_header(name)):
            continue
        if name in (mapping[SKU], mapping[CUSTOMER]):
            continue
        hit = pc.match_substring_regex(column.array.__arrow_array__(), values)
        out |= np.asarray(
            pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool
        )
    return out
