"""What the chat knows about the uploaded file beyond the canonical roles.

A :class:`ChatDataset` lists the file's columns (as the user knows them: their headers)
with the role each one is mapped to, the extra *dimension* columns the frame carries
(text columns such as Segment, Region or Ship Mode, named after their header) with their
distinct values, and whether lines can be grouped into orders. The parser uses it to read
column names and values in a question; the coverage check uses it to say which part of a
question the data cannot answer.

Matching is on *keys*: lower case, accents removed, punctuation as spaces, each word in
the singular ("Sub-Categories" and "sub category" have the same key).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analytics.schema import (
    CANONICAL_COLUMNS,
    CATEGORY,
    COST,
    CUSTOMER,
    DATE,
    PROFIT,
    QUANTITY,
    REVENUE,
    SKU,
    UNIT_PRICE,
)

#: Column of the order / invoice id, when the frame carries one.
ORDER = "order_id"
#: Text columns with more distinct values than this are not searched for values.
MAX_VALUES = 3000
#: Roles and how a question may call them (their canonical word).
ROLE_WORDS: dict[str, str] = {
    DATE: "date",
    REVENUE: "revenue",
    COST: "cost",
    PROFIT: "profit",
    QUANTITY: "units",
    UNIT_PRICE: "unit price",
    SKU: "products",
    CATEGORY: "categories",
    CUSTOMER: "customers",
    ORDER: "orders",
}

_WORD = re.compile(r"[^\W_]+")
#: Words that name the same kind of dimension column. A column whose name (or its last
#: word: "Sales Rep", "Store Region") is one of a group can be called by any other word
#: of the group; a column of the file with that name always wins over a synonym.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("region", "area", "territory", "sales region"),
    ("country", "nation"),
    ("state", "us state", "province"),
    ("city", "town"),
    ("channel", "sales channel"),
    ("payment method", "payment type", "payment", "means of payment", "payment mode"),
    (
        "rep",
        "salesperson",
        "sales rep",
        "sales representative",
        "seller",
        "agent",
        "sales agent",
    ),  # fmt: skip
    ("store", "branch", "outlet"),
    ("segment", "customer segment", "customer type"),
    ("ship mode", "shipping method", "shipping mode", "delivery method", "ship method"),
    ("sub category", "subcategory"),
    ("discount band", "discount level", "discount tier"),
    # several uploaded files: analytics.ingest.combine.SOURCE_FILE
    ("source file", "file", "uploaded file"),
)


def synonyms_of(name: str) -> tuple[str, ...]:
    """Other words for a dimension column called ``name`` (see :data:`SYNONYM_GROUPS`)."""
    key = key_words(name)
    # "Country/Region" names two things: only its whole name has synonyms
    candidates = (key,) if re.search(r"[/|]", name) else (key, key[-1:])
    for candidate in candidates:
        for group in SYNONYM_GROUPS:
            if any(key_words(member) == candidate for member in group):
                return tuple(m for m in group if key_words(m) != key)
    return ()


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def singular(word: str) -> str:
    """A crude English singular, enough to match column names and values."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def key_words(text: str) -> tuple[str, ...]:
    """The matching key of ``text`` as a tuple of singular, accent-free, lower words."""
    plain = strip_accents(str(text)).lower()
    return tuple(singular(w) for w in _WORD.findall(plain))


@dataclass(frozen=True)
class Column:
    """One column of the file as the chat sees it.

    ``name`` is the header; ``role`` the canonical role it is mapped to (None when not
    mapped); ``frame_column`` the frame column holding it (None when the frame does
    not carry it); ``values`` the distinct values of a dimension column (empty
    otherwise).
    """

    name: str
    role: str | None
    frame_column: str | None
    kind: str  # "dimension" | "measure" | "date" | "role" | "unknown"
    values: tuple[str, ...] = ()
    #: Unit of a measure ("money", "count", "ratio", "number"), when known.
    unit: str | None = None
    #: How a measure combines over rows ("sum", "weighted_mean", "mean"), when known.
    aggregation: str | None = None

    @property
    def usable(self) -> bool:
        return self.frame_column is not None

    def label(self) -> tuple[str, str]:
        """(singular, plural) words for answers: "ship mode", "ship modes"."""
        words = " ".join(_WORD.findall(self.name.replace("_", " "))) or self.name
        lower = words if words.isupper() else words.lower()
        if lower.endswith("y") and not lower.endswith(("ay", "ey", "oy")):
            return lower, lower[:-1] + "ies"
        return lower, lower if lower.endswith("s") else lower + "s"


@dataclass(frozen=True)
class ChatDataset:
    """The file's columns and the frame's extra dimension columns (see module doc)."""

    columns: tuple[Column, ...] = ()
    #: key -> column, for column names (and each part of "Country/Region").
    names: dict[tuple[str, ...], Column] = field(default_factory=dict)
    #: key -> [(column, original value)], for values of dimension columns in the frame.
    values: dict[tuple[str, ...], list[tuple[Column, str]]] = field(
        default_factory=dict
    )
    has_orders: bool = False
    #: initials -> [(column, value)] of values of several words ("UK" for "United
    #: Kingdom"), matched only when the question writes them in capitals.
    acronyms: dict[str, list[tuple[Column, str]]] = field(default_factory=dict)

    def column(self, frame_column: str) -> Column | None:
        for column in self.columns:
            if column.frame_column == frame_column:
                return column
        return None

    def dimensions(self) -> list[Column]:
        """Extra dimension columns the frame carries (beyond SKU/category/customer)."""
        return [c for c in self.columns if c.kind == "dimension" and c.usable]

    def header_of(self, role: str) -> str | None:
        for column in self.columns:
            if column.role == role:
                return column.name
        return None


def chat_dataset(
    df: pd.DataFrame,
    source_columns: Mapping[str, str | None]
    | Sequence[Mapping[str, Any]]
    | None = None,
) -> ChatDataset:
    """The :class:`ChatDataset` of frame ``df``.

    ``source_columns`` maps each header of the uploaded file to the role it is mapped to
    (None when unmapped), as the session stores them; without it only the frame's own
    columns are known.
    """
    columns: list[Column] = []
    seen: set[str] = set()
    roles_in_frame = {c for c in CANONICAL_COLUMNS if c in df.columns}
    if isinstance(source_columns, (list, tuple)):
        source_columns = _from_model(df, source_columns, columns, seen)
    for header, role in (source_columns or {}).items():
        header = str(header)
        if header in seen:
            continue
        seen.add(header)
        if role:
            frame_column = role if role in roles_in_frame else None
            if role == ORDER and ORDER in df.columns:
                frame_column = ORDER
            columns.append(Column(header, role, frame_column, "role"))
        elif header in df.columns:
            columns.append(_extra(df, header))
        else:
            columns.append(Column(header, None, None, "unknown"))
    for name in df.columns:
        name = str(name)
        if name in seen or name in CANONICAL_COLUMNS:
            continue
        if name == ORDER:
            columns.append(Column("Order ID", ORDER, ORDER, "role"))
        else:
            columns.append(_extra(df, name))
        seen.add(name)
    names: dict[tuple[str, ...], Column] = {}
    values: dict[tuple[str, ...], list[tuple[Column, str]]] = {}
    acronyms: dict[str, list[tuple[Column, str]]] = {}
    for column in columns:
        variants = {column.name, *re.split(r"[/|]", column.name)}
        joined = "".join(key_words(column.name))
        if len(key_words(column.name)) > 1:
            variants.add(joined)  # "Sub-Category" is also "subcategory"
        for variant in variants:
            key = key_words(variant)
            if key and (key not in names or variant == column.name):
                names.setdefault(key, column)
        if set(key_words(column.name)) & {"date", "month", "year", "week", "day"}:
            continue  # "Month Name" = "December": left to the period parser
        for value in column.values:
            key = key_words(value)
            if key:
                values.setdefault(key, []).append((column, value))
            initials = acronym(value)
            if initials:
                acronyms.setdefault(initials, []).append((column, value))
    for column in columns:
        if column.kind != "dimension" or not column.usable:
            continue
        for synonym in synonyms_of(column.name):
            names.setdefault(key_words(synonym), column)
    has_orders = ORDER in df.columns and bool(df[ORDER].notna().any())
    return ChatDataset(tuple(columns), names, values, has_orders, acronyms)


_MINOR_WORDS = frozenset({"of", "the", "and", "de", "du", "des", "la", "le"})


def acronym(value: str) -> str | None:
    """The initials of a value of two or more words, lower case ("United Kingdom" ->
    "uk", "United States of America" -> "usa"); None for shorter values."""
    words = [w for w in _WORD.findall(strip_accents(str(value))) if w.isalpha()]
    major = [w for w in words if w.lower() not in _MINOR_WORDS]
    if len(major) < 2 or len(words) != len(_WORD.findall(str(value))):
        return None
    return "".join(w[0] for w in major).lower()


def _from_model(
    df: pd.DataFrame,
    items: Sequence[Mapping[str, Any]],
    columns: list[Column],
    seen: set[str],
) -> dict[str, str | None]:
    """Columns of the dataset model's list (``report["columns"]``): mapped roles are
    returned as a header -> role mapping; dimensions and measures the frame keeps, and
    columns it does not keep, go straight into ``columns``."""
    roles: dict[str, str | None] = {}
    for item in items:
        name, role, field = str(item.get("name")), item.get("role"), item.get("field")
        if role:
            roles[name] = str(role)
            continue
        seen.add(name)
        if field and field in df.columns:
            column = _extra(df, str(field))
            unit = item.get("unit")
            kind = "dimension" if item.get("kind") == "dimension" else column.kind
            columns.append(
                Column(
                    name,
                    None,
                    str(field),
                    kind,
                    column.values,
                    unit=unit,
                    aggregation=item.get("aggregation"),
                )
            )
            if field != name:
                seen.add(str(field))
        else:
            columns.append(Column(name, None, None, "unknown", unit=item.get("unit")))
    return roles


def _extra(df: pd.DataFrame, name: str) -> Column:
    series = df[name]
    if pd.api.types.is_datetime64_any_dtype(series):
        return Column(name, None, name, "date")
    if pd.api.types.is_numeric_dtype(series):
        return Column(name, None, name, "measure")
    if isinstance(series.dtype, pd.CategoricalDtype):
        distinct = series.cat.categories.astype("str")
    else:
        distinct = pd.unique(series.dropna().astype("str"))
    shown = tuple(str(v) for v in distinct) if len(distinct) <= MAX_VALUES else ()
    return Column(name, None, name, "dimension", shown)


#: Column names that are words for time: left to the period parser.
_TIME_KEYS = frozenset(
    {"date", "day", "week", "month", "quarter", "year", "month name", "month number"}
)
_GAP = re.compile(r"^[\s\-/&.,'’]{0,3}$")


@dataclass(frozen=True)
class Term:
    """A column name or a value of the file found in a question (``start``:``end``)."""

    start: int
    end: int
    text: str
    column: Column
    #: The value for a value hit (None for a column name).
    value: str | None = None
    #: Other columns holding the same value (an ambiguous value).
    also: tuple[Column, ...] = ()


def find_terms(
    question: str,
    scan: str,
    dataset: ChatDataset,
    ambiguous: frozenset[str],
    ambiguous_names: frozenset[str] = frozenset(),
) -> list[Term]:
    """Column names and dimension values of ``dataset`` in ``scan`` (the lower-cased
    question with names already found blanked out), longest first, not overlapping.

    Single words in ``ambiguous`` (common English words) count only when the question
    writes them as the data does ("Other", not "other").
    """
    if not dataset.names and not dataset.values:
        return []
    tokens = [
        (m.start(), m.end(), singular(strip_accents(m.group(0))))
        for m in _WORD.finditer(scan)
    ]
    hits: list[Term] = []
    #: token index after the last hit
    after_hit = -1
    i = 0
    while i < len(tokens):
        found = None
        for length in range(min(6, len(tokens) - i), 0, -1):
            window = tokens[i : i + length]
            if any(
                not _GAP.match(scan[a[1] : b[0]])
                for a, b in zip(window, window[1:], strict=False)
            ):
                continue
            key = tuple(t[2] for t in window)
            start, end = window[0][0], window[-1][1]
            text = question[start:end]
            exact_only = length == 1 and key[0] in ambiguous
            value_hits = dataset.values.get(key)
            if (
                not value_hits
                and length == 1
                and len(text) >= 2
                and text.isupper()
                and text.isalpha()
            ):
                hits_ = dataset.acronyms.get(text.lower(), [])
                value_hits = hits_ if len(hits_) == 1 else None  # one value only
            column = dataset.names.get(key)
            if column is not None and " ".join(key) not in _TIME_KEYS:
                if length > 1 or key[0] not in ambiguous_names or text == column.name:
                    found = Term(start, end, text, column)
            if found is None and value_hits:
                usable = [
                    (col, value)
                    for col, value in value_hits
                    if (not exact_only or text == value)
                    and (
                        not all(k.isdigit() for k in key)
                        or (i > 0 and tokens[i - 1][2] == key_words(col.name)[-1:][0])
                        or _listed_after(hits, after_hit, i, tokens, col)
                    )
                ]
                if usable:
                    col, value = usable[0]
                    found = Term(
                        start, end, text, col, value, tuple(c for c, _ in usable[1:])
                    )
            if found is not None:
                i += length
                break
        if found is None:
            i += 1
        else:
            hits.append(found)
            after_hit = i
    return hits


_LIST_WORDS = frozenset({"and", "or", "vs", "versus"})


def _listed_after(
    hits: list[Term], after_hit: int, i: int, tokens: list, column: Column
) -> bool:
    """True when token ``i`` continues a list of values of ``column`` ("store 1, 2 and
    3"): the last hit is a value of that column, right before it or before a list word."""
    if not hits or hits[-1].column is not column or hits[-1].value is None:
        return False
    return after_hit == i or (after_hit == i - 1 and tokens[i - 1][2] in _LIST_WORDS)
