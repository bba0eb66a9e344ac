"""What a column's values look like: :class:`ColumnProfile` from a spread sample (how many
read as numbers or dates, integers, percentages, codes, distinct values …), and headers
of legacy programs read without their shared prefix and with abbreviations spelled out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analytics.ingest.budget import check_time
from analytics.ingest.number_parsing import parse_numbers
from analytics.ingest.parsing import (
    clean_text,
    looks_like_dates,
    parse_dates,
    spread_sample,
)
from analytics.ingest.role_words import DATE_WORDS, name_score, normalise_header
from analytics.schema import (
    COST,
    CUSTOMER,
    DATE,
    PROFIT,
    QUANTITY,
    REVENUE,
    SKU,
    UNIT_PRICE,
)

SAMPLE_ROWS = 3000


@dataclass(frozen=True)
class ColumnProfile:
    """What a sample of one column looks like."""

    name: str
    norm: str
    position: int
    filled: float
    present: int
    number_share: float
    date_share: float
    integer_share: float
    distinct: int
    distinct_ratio: float
    negative_share: float
    percent: bool
    currency: str | None
    leading_zero: bool
    year_like: bool
    sequential: bool
    binary: bool
    mean_abs: float
    code_share: float
    space_share: float
    mean_length: float
    is_datetime: bool
    decimal: str = "."
    date_order: str | None = None
    #: Largest absolute value among the numbers (percentages already divided by 100).
    max_abs: float = 0.0


def profile_column(
    series: pd.Series, name: str, position: int, *, decimal: str = "."
) -> ColumnProfile:
    """Profile a spread sample of ``series`` (the table column called ``name``)."""
    check_time()
    sample = spread_sample(series, SAMPLE_ROWS)
    n = len(sample)
    text = clean_text(sample)
    present = text.notna()
    count = int(present.sum())
    norm = normalise_header(name)
    if count == 0:
        return ColumnProfile(
            name, norm, position, 0.0, 0, 0.0, 0.0, 0.0, 0, 0.0, 0.0, False, None,
            False, False, False, False, 0.0, 0.0, 0.0, 0.0, False, decimal,
        )  # fmt: skip
    numbers = parse_numbers(sample, decimal=decimal)
    values = numbers.values[present]
    numeric = values.notna()
    number_share = float(numeric.mean())
    nums = values[numeric]
    is_datetime = series.dtype.kind == "M"
    if is_datetime:
        date_share, order = 1.0, None
    elif series.dtype.kind in "fiu":
        allow = bool(DATE_WORDS.search(norm))
        dates = parse_dates(sample, allow_serial=allow)
        date_share = (
            dates.valid / max(count, 1) if (allow or dates.format == "%Y%m%d") else 0.0
        )
        order = dates.order
    elif looks_like_dates(text[present].head(300)) >= 0.5:
        dates = parse_dates(sample)
        date_share, order = dates.valid / max(count, 1), dates.order
    elif (
        DATE_WORDS.search(norm)
        and float(text[present].str.fullmatch(r"[0-9]{5}|[0-9]{10}|[0-9]{13}").mean())
        >= 0.9
    ):
        dates = parse_dates(sample, allow_serial=True)
        date_share, order = dates.valid / max(count, 1), None
    else:
        date_share, order = 0.0, None
    distinct = int(text[present].nunique())
    texts = text[present]
    integer_share = float((nums == np.floor(nums)).mean()) if len(nums) else 0.0
    leading_zero = (
        bool(texts.str.fullmatch(r"0[0-9]+").any())
        if series.dtype.kind not in "fiu"
        else False
    )
    year_like = bool(
        len(nums) and integer_share == 1.0 and nums.between(1900, 2100).all()
    )
    ordered = nums.to_numpy()
    sequential = bool(
        len(ordered) >= 5
        and integer_share == 1.0
        and number_share == 1.0
        and np.all(np.diff(ordered) > 0)
        and ordered[-1] - ordered[0] <= 1.1 * len(series)
    )
    binary = bool(len(nums) and set(np.unique(nums)) <= {0.0, 1.0})
    code_share = float(
        (
            texts.str.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_./#-]*")
            & texts.str.contains(r"[0-9]")
        ).mean()
    )
    space_share = float(texts.str.contains(" ", regex=False).mean())
    return ColumnProfile(
        name=name,
        norm=norm,
        position=position,
        filled=count / max(n, 1),
        present=count,
        number_share=number_share,
        date_share=float(date_share),
        integer_share=integer_share,
        distinct=distinct,
        distinct_ratio=distinct / max(count, 1),
        negative_share=float((nums < 0).mean()) if len(nums) else 0.0,
        percent=numbers.percent,
        currency=numbers.currency,
        leading_zero=leading_zero,
        year_like=year_like,
        sequential=sequential,
        binary=binary,
        mean_abs=float(nums.abs().mean()) if len(nums) else 0.0,
        code_share=code_share,
        space_share=space_share,
        mean_length=float(texts.str.len().mean()),
        is_datetime=is_datetime,
        decimal=numbers.decimal,
        date_order=order,
        max_abs=float(nums.abs().max()) if len(nums) else 0.0,
    )


def profile_table(table: pd.DataFrame, *, decimal: str = ".") -> list[ColumnProfile]:
    """Profiles of every column of ``table``.

    Headers of legacy business software (``stcqte``, ``stcprx``, ``stcmtlig``) are read
    without the prefix every column shares and with their abbreviations spelled out
    (``quantite``, ``prix``, ``montant ligne``) when that makes them name a role.
    """
    profiles = [
        profile_column(table[c], c, i, decimal=decimal)
        for i, c in enumerate(table.columns)
    ]
    prefix = _shared_prefix([str(c) for c in table.columns])
    out = []
    for p in profiles:
        spelled = _spelled_out(str(p.name), prefix)
        out.append(p if spelled is None else replace(p, norm=spelled))
    return out


#: Abbreviations of legacy (mostly French) business software headers, spelled out.
_ABBREVIATIONS = {
    "mt": "montant", "mnt": "montant", "mtt": "montant", "lig": "ligne",
    "qte": "quantite", "qt": "quantite", "prx": "prix", "px": "prix", "pu": "prix unitaire",
    "cde": "commande", "cmd": "commande", "cli": "client", "clt": "client",
    "pdt": "produit", "prod": "produit", "art": "article", "liv": "livraison",
    "fact": "facture", "cd": "code", "n": "numero", "num": "numero", "tx": "taux",
    "rem": "remise", "com": "commission", "tva": "tva", "ht": "ht", "ttc": "ttc",
    "date": "date", "dat": "date", "ref": "reference", "appel": "appellation",
    "milles": "millesime", "uv": "unite vente",
}  # fmt: skip
_ROLES_FOR_NAMES = (DATE, REVENUE, COST, PROFIT, SKU, QUANTITY, UNIT_PRICE, CUSTOMER)


def _shared_prefix(names: list[str]) -> str:
    """A lower-case prefix (2–4 letters) that at least 80 % of at least 6 headers start
    with and that leaves something after it (``stc`` of ``stcqte``, ``stcprx``, …)."""
    named = [n for n in names if n and not n.startswith("Column ")]
    if len(named) < 6:
        return ""
    for size in (4, 3, 2):
        heads = Counter(n[:size] for n in named if len(n) > size + 1)
        if not heads:
            continue
        head, count = heads.most_common(1)[0]
        if head.isalpha() and head.islower() and count >= 0.8 * len(named):
            return head
    return ""


def _split_abbreviations(token: str) -> list[str] | None:
    """``mtlig`` → ``["mt", "lig"]``: the fewest known abbreviations spelling ``token``."""
    best: list[list[str] | None] = [[]] + [None] * len(token)
    for end in range(1, len(token) + 1):
        for start in range(max(0, end - 6), end):
            piece = token[start:end]
            if best[start] is not None and piece in _ABBREVIATIONS:
                candidate = [*best[start], piece]  # type: ignore[misc]
                if best[end] is None or len(candidate) < len(best[end]):  # type: ignore[arg-type]
                    best[end] = candidate
    return best[-1]


def _spelled_out(name: str, prefix: str) -> str | None:
    """The normalised header with the shared prefix dropped and abbreviations spelled
    out, when the header names no role as it is and the spelled-out one does."""
    base = name[len(prefix) :] if prefix and name.startswith(prefix) else name
    if not base.isalpha() or len(base) > 24:
        return None
    token = normalise_header(base)
    if not token or " " in token:
        return None
    pieces = _split_abbreviations(token)
    if not pieces or (len(pieces) == 1 and len(token) < 3):
        return None
    norm = normalise_header(name)
    if any(name_score(norm, role) for role in _ROLES_FOR_NAMES):
        return None
    spelled = " ".join(_ABBREVIATIONS[p] for p in pieces)
    if any(name_score(spelled, role) for role in _ROLES_FOR_NAMES):
        return spelled
    return None
