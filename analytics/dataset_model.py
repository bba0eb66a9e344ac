"""What each column of an uploaded file is: the dataset model (semantic layer).

Every source column gets a *kind*:

==============  ==========================================================================
kind            meaning
==============  ==========================================================================
``date``        dates or timestamps
``measure``     numbers to add up or average; ``unit`` says which: ``money`` (amounts),
                ``count`` (units, items, visits), ``ratio`` (percent, rate, margin,
                discount or tax share, kept as a fraction: 20 % → 0.2), ``number``
                (other quantities such as a temperature or an index, never summed)
``dimension``   categorical text with at most ``MAX_DIMENSION_VALUES`` distinct values
                (region, state, segment, channel, city, payment method, store …)
``identifier``  high-cardinality keys (order, invoice, customer, SKU, row ids)
``text``        free text (descriptions, names with a different value on most rows)
==============  ==========================================================================

Detection uses the profile role detection already made of each column (a spread
sample: header words, share of numbers and dates, distinct values) and confirms a
dimension on the whole column while building its values. :func:`extend_frame` adds to
the canonical frame every dimension column (a categorical of strings) and every unmapped
measure column (``float64``), named after its header (a header that clashes with a
canonical column, case-insensitively, gets `` (file)`` appended). At most
``MAX_DIMENSIONS`` dimensions and ``MAX_MEASURES`` measures are kept, in file order; a
text column with more than ``MAX_DIMENSION_VALUES`` distinct values is not a dimension.

``aggregation`` says how a measure is combined over rows: ``sum`` (money and counts),
``weighted_mean`` (ratios, weighted by revenue: a rate is never summed) or ``mean``
(prices and other non-additive numbers) or ``none`` (running balances, which no
total or average describes).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.ingest.number_parsing import parse_numbers
from analytics.ingest.parsing import MISSING_SET, clean_text, text_dictionary
from analytics.ingest.profiles import ColumnProfile, profile_column
from analytics.schema import (
    CANONICAL_COLUMNS,
    CATEGORY,
    COST,
    CUSTOMER,
    DATE,
    ORDER,
    PROFIT,
    QUANTITY,
    REVENUE,
    ROLE_LABELS,
    SKU,
    UNIT_PRICE,
)

DATE_KIND = "date"
MEASURE = "measure"
DIMENSION = "dimension"
IDENTIFIER = "identifier"
TEXT = "text"
KINDS = (DATE_KIND, MEASURE, DIMENSION, IDENTIFIER, TEXT)

MONEY = "money"
COUNT = "count"
RATIO = "ratio"
NUMBER = "number"
UNITS = (MONEY, COUNT, RATIO, NUMBER)

SUM = "sum"
MEAN = "mean"
WEIGHTED_MEAN = "weighted_mean"
#: Not combined over rows at all (running balances).
NONE = "none"

#: Dimension columns kept in the canonical frame (the first ones in file order).
MAX_DIMENSIONS = 30
#: Unmapped measure columns kept in the canonical frame.
MAX_MEASURES = 30
#: A text column with more distinct values than this is not a dimension.
MAX_DIMENSION_VALUES = 1000

_ROLE_KINDS: dict[str, tuple[str, str | None]] = {
    DATE: (DATE_KIND, None),
    REVENUE: (MEASURE, MONEY),
    COST: (MEASURE, MONEY),
    PROFIT: (MEASURE, MONEY),
    UNIT_PRICE: (MEASURE, MONEY),
    QUANTITY: (MEASURE, COUNT),
    SKU: (IDENTIFIER, None),
    CUSTOMER: (IDENTIFIER, None),
    ORDER: (IDENTIFIER, None),
    CATEGORY: (DIMENSION, None),
}

_ID_WORDS = re.compile(
    r"\b(id|ids|uuid|guid|key|code|no|nr|num|number|ref|reference|sku|ean|upc|gtin|"
    r"asin|isbn|serial|invoice|order|transaction|txn|receipt|tracking|email|e mail|"
    r"phone|tel|mobile|iban|account|last4|last 4|fingerprint)\b"
)
_NOT_ID = re.compile(r"\b(number of|no of|count)\b")
_GEO_CODES = re.compile(
    r"\b(zip|zipcode|postal|postcode|plz|country code|state code)\b"
)
_DIMENSION_NUMBERS = re.compile(
    r"\b(year|years|yr|month|quarter|week|weekday|day of week|store|shop|branch|"
    r"location|warehouse|region|district|department|dept|flag|holiday|segment|channel|"
    r"rep|team|level|tier|class|grade|zone|cluster|group|type)\b"
)
_RATIO_WORDS = re.compile(
    r"\b(percent|percentage|pct|rate|ratio|share|margin percent|margin rate|"
    r"conversion|churn|growth|yield)\b"
)
#: Headers that are a ratio when their values are fractions (0.2), money otherwise.
_MAYBE_RATIO = re.compile(r"\b(discount|discounts|margin|tax|vat|commission|markup)\b")
_COUNT_WORDS = re.compile(
    r"\b(qty|quantity|units|unit count|count|number of|no of|items|pieces|pcs|orders|"
    r"visits|views|clicks|sessions|impressions|customers|users|transactions|headcount|"
    r"employees|returns)\b"
)
_NUMBER_WORDS = re.compile(
    r"\b(temperature|temp|cpi|index|unemployment|score|rating|age|weight|height|width|"
    r"length|distance|km|miles|lat|latitude|lon|lng|longitude|duration|hours|minutes|"
    r"seconds|days|size|rank|population)\b"
)
_PRICE_WORDS = re.compile(r"\b(price|prices|preis|precio|prix|rate each|cost price)\b")
#: Running balances: adding them up over rows means nothing.
_RUNNING = re.compile(r"\b(balance|running|cumulative|opening|closing|saldo)\b")
_DATE_WORDS = re.compile(r"\b(date|datum|fecha|time|timestamp|created|updated|at)\b")


@dataclass(frozen=True)
class ColumnInfo:
    """One source column: its kind, unit, mapped role and where the frame keeps it.

    ``field`` is the canonical frame's column holding the values (the role's name for a
    mapped column, the header for a kept dimension or measure), None when not kept.
    """

    name: str
    kind: str
    unit: str | None = None
    role: str | None = None
    field: str | None = None
    aggregation: str | None = None
    distinct: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> ColumnInfo:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})

    @property
    def label(self) -> str:
        return ROLE_LABELS.get(self.role, self.name) if self.role else self.name


@dataclass(frozen=True)
class DatasetModel:
    """The columns of one dataset (see the module docstring)."""

    columns: tuple[ColumnInfo, ...]

    def to_list(self) -> list[dict]:
        return [c.to_dict() for c in self.columns]

    @classmethod
    def from_list(cls, items: Sequence[Mapping] | None) -> DatasetModel:
        return cls(tuple(ColumnInfo.from_dict(i) for i in items or ()))

    def by_kind(self, kind: str) -> list[ColumnInfo]:
        return [c for c in self.columns if c.kind == kind]

    @property
    def dimensions(self) -> list[ColumnInfo]:
        """Dimension columns kept in the frame (mapped category included)."""
        return [c for c in self.columns if c.kind == DIMENSION and c.field]

    @property
    def measures(self) -> list[ColumnInfo]:
        """Unmapped measure columns kept in the frame."""
        return [c for c in self.columns if c.kind == MEASURE and c.field and not c.role]

    def role_column(self, role: str) -> ColumnInfo | None:
        return next((c for c in self.columns if c.role == role), None)

    def find(self, name: str) -> ColumnInfo | None:
        """The kept column called ``name`` (header, frame field or role), matched without
        regard to case, accents, spaces or punctuation; None when there is none."""
        key = match_key(name)
        for column in self.columns:
            if column.field and key in (
                match_key(column.name),
                match_key(column.field),
                match_key(column.role or ""),
            ):
                return column
        return None


def match_key(text: object) -> str:
    """A value or name reduced for matching: lower case, no accents, punctuation as
    spaces, single spaces (``" Québec-City"`` → ``"quebec city"``, ``"PayPal"`` →
    ``"paypal"``)."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKD", str(text).casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(_PUNCTUATION.sub(" ", plain).split())


_PUNCTUATION = re.compile(r"[^0-9a-zß]+|_")


def _field_name(name: str, taken: set[str]) -> str:
    base = str(name)
    field = base
    if field.casefold() in {c.casefold() for c in CANONICAL_COLUMNS}:
        field = f"{base} (file)"
    n = 2
    while field.casefold() in taken:
        field = f"{base} ({n})"
        n += 1
    return field


def classify(
    series: pd.Series, name: str, *, decimal: str = "."
) -> tuple[str, str | None, str | None]:
    """``(kind, unit, aggregation)`` of an unmapped column, from a spread sample."""
    return classify_profile(profile_column(series, name, 0, decimal=decimal))


def classify_profile(p: ColumnProfile) -> tuple[str, str | None, str | None]:
    """``(kind, unit, aggregation)`` from the profile role detection made of a column."""
    norm = p.norm
    if p.present == 0:
        return TEXT, None, None
    if p.is_datetime or p.date_share >= 0.8:
        return DATE_KIND, None, None
    named_id = bool(_ID_WORDS.search(norm)) and not _NOT_ID.search(norm)
    if p.number_share >= 0.9:
        whole = p.integer_share == 1.0
        if _GEO_CODES.search(norm):
            return DIMENSION, None, None
        if whole and (
            _DIMENSION_NUMBERS.search(norm)
            or p.year_like
            or (p.distinct <= 2 and p.present > 10)
        ):
            return DIMENSION, None, None
        if named_id or p.sequential or p.leading_zero:
            return IDENTIFIER, None, None
        if _RUNNING.search(norm):
            return MEASURE, MONEY, NONE
        fractions = p.mean_abs <= 1.0 and not whole
        if (
            p.percent
            or _RATIO_WORDS.search(norm)
            or (fractions and _MAYBE_RATIO.search(norm))
        ):
            return MEASURE, RATIO, WEIGHTED_MEAN
        if _NUMBER_WORDS.search(norm):
            return MEASURE, NUMBER, MEAN
        if _COUNT_WORDS.search(norm):
            return MEASURE, COUNT, SUM
        if _PRICE_WORDS.search(norm):
            return MEASURE, MONEY, MEAN
        return MEASURE, MONEY, SUM
    if (_GEO_CODES.search(norm) or _DIMENSION_NUMBERS.search(norm)) and (
        p.distinct <= MAX_DIMENSION_VALUES
    ):
        return DIMENSION, None, None
    if named_id:
        return IDENTIFIER, None, None
    if p.distinct_ratio > 0.5 and p.present >= 50:
        return (TEXT if p.space_share >= 0.5 else IDENTIFIER), None, None
    if p.distinct > MAX_DIMENSION_VALUES:
        return TEXT, None, None
    return DIMENSION, None, None


def _dimension_values(
    column: pd.Series, keep: np.ndarray, encoded: pa.DictionaryArray | None = None
) -> tuple[pd.Series, int]:
    """The kept rows' cleaned values as a categorical of strings, and how many distinct
    values they hold (one dictionary encoding of the column, no per-row strings)."""
    if encoded is not None:
        indices = encoded.indices
        values = pc.utf8_trim_whitespace(encoded.dictionary)
        missing = pc.fill_null(
            pc.is_in(pc.utf8_lower(values), value_set=MISSING_SET), True
        )
        values = pc.if_else(missing, pa.scalar(None, values.type), values)
    elif column.dtype.kind in "fiubM":
        text = clean_text(column)
        indices, values = text_dictionary(text)
    else:
        indices, values = text_dictionary(column)
    size = len(values)
    codes = pc.fill_null(indices, size).to_numpy(zero_copy_only=False)
    if values.null_count == 0 and pc.count_distinct(values).as_py() == size:
        # trimming merged no values: the dictionary is the categories
        categories = pd.Index(values.to_pandas(types_mapper=_as_str), dtype="str")
        remap = np.append(np.arange(size, dtype="int32"), -1)
    else:
        names = pd.Series(values.to_pylist(), dtype="object")
        remap, categories = pd.factorize(names, use_na_sentinel=True)
        remap = np.append(remap, -1).astype("int32")
        categories = pd.Index(categories.astype(str), dtype="str")
    codes = remap[codes]
    if not keep.all():
        codes = codes[keep]
    used = np.bincount(codes[codes >= 0], minlength=len(categories)) > 0
    if not used.all():
        shift = np.cumsum(~used)
        codes = np.where(codes >= 0, codes - shift[np.maximum(codes, 0)], -1)
        categories = categories[used]
    cat = pd.Categorical.from_codes(codes, categories=categories)
    return pd.Series(cat), int(len(categories))


def _as_str(arrow_type: pa.DataType):
    return (
        pd.StringDtype("pyarrow", na_value=np.nan)
        if pa.types.is_string(arrow_type)
        else None
    )


def extend_frame(
    frame: pd.DataFrame,
    table: pd.DataFrame,
    mapping: Mapping[str, str | None],
    keep: np.ndarray,
    *,
    decimal: str = ".",
    profiles: Sequence[ColumnProfile] | None = None,
    encodings: Mapping[str, pa.DictionaryArray] | None = None,
) -> tuple[pd.DataFrame, DatasetModel]:
    """The canonical ``frame`` with the table's dimensions and measures added, and the
    model of every column of ``table``.

    ``keep`` is the boolean mask of the table rows that made ``frame`` (same order);
    ``profiles`` those role detection made of the table's columns (computed when None);
    ``encodings`` Arrow dictionary encodings of text columns already made (by name).
    """
    known = {p.name: p for p in profiles or ()}
    by_column = {column: role for role, column in mapping.items() if column}
    columns: list[ColumnInfo] = []
    extra: dict[str, pd.Series] = {}
    taken = {c.casefold() for c in frame.columns}
    dimensions = measures = 0
    for name in table.columns:
        name = str(name)
        role = by_column.get(name)
        if role is not None:
            kind, unit = _ROLE_KINDS.get(role, (TEXT, None))
            aggregation = SUM if kind == MEASURE else None
            if role == UNIT_PRICE:
                aggregation = MEAN
            distinct = None
            if role == CATEGORY:
                distinct = int(frame[CATEGORY].nunique())
            columns.append(
                ColumnInfo(name, kind, unit, role, role, aggregation, distinct)
            )
            continue
        profile = known.get(name) or profile_column(
            table[name], name, 0, decimal=decimal
        )
        kind, unit, aggregation = classify_profile(profile)
        field = None
        distinct = None
        if kind == DIMENSION:
            values, distinct = _dimension_values(
                table[name], keep, (encodings or {}).get(name)
            )
            if distinct > MAX_DIMENSION_VALUES:
                kind = TEXT
            elif distinct and dimensions < MAX_DIMENSIONS:
                field = _field_name(name, taken)
                extra[field] = values
                dimensions += 1
        elif kind == MEASURE and measures < MAX_MEASURES:
            parsed = parse_numbers(table[name], decimal=decimal).values
            if not keep.all():
                parsed = parsed[keep]
            if parsed.notna().any():
                field = _field_name(name, taken)
                extra[field] = parsed.astype("float64").reset_index(drop=True)
                measures += 1
        if field:
            taken.add(field.casefold())
        columns.append(ColumnInfo(name, kind, unit, None, field, aggregation, distinct))
    if extra:
        added = pd.DataFrame(extra, index=frame.index)
        frame = pd.concat([frame, added], axis=1)
    return frame, DatasetModel(tuple(columns))


def model_of(frame: pd.DataFrame, columns: Sequence[Mapping] | None) -> DatasetModel:
    """The model stored with a dataset (``report["columns"]``), or, for data stored
    without one (profit-and-loss statements), the canonical columns the frame fills."""
    if columns:
        return DatasetModel.from_list(columns)
    out = []
    for role, (kind, unit) in _ROLE_KINDS.items():
        if role in frame and frame[role].notna().any():
            aggregation = SUM if kind == MEASURE else None
            out.append(
                ColumnInfo(ROLE_LABELS[role], kind, unit, role, role, aggregation)
            )
    return DatasetModel(tuple(out))
