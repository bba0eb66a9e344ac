"""The deterministic question parser: question -> :class:`Intent`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from analytics.chat.asks import blank_daily, read_customer_ask, read_days, settle
from analytics.chat.common import (
    CALENDAR_DIMENSIONS,
    MAX_TOP_N,
    PERIOD_DIMENSIONS,
    Gap,
    Intent,
    dimension_words,
)
from analytics.chat.coverage import FILLER, coverage_gaps
from analytics.chat.dataset import (
    ROLE_WORDS,
    ChatDataset,
    chat_dataset,
    find_terms,
    key_words,
)
from analytics.chat.everyday import EVERYDAY_MEASURES, everyday_words
from analytics.chat.vocabulary import (
    BOTTOM_WORDS,
    BREAKDOWN_WORDS,
    COMMON_WORDS,
    COMPARE_WORDS,
    DIMENSION_WORDS,
    FOLLOW_UP,
    FORECAST_WORDS,
    GROWTH_WORDS,
    HELP_WORDS,
    HOW_MANY_WORDS,
    HOW_TO_WORDS,
    IMPROVE_WORDS,
    MARGIN_WORDS,
    METRIC_WORDS,
    MONTH_OF_YEAR_WORDS,
    N_RE,
    N_WORD_RE,
    NUMBER_WORDS,
    OUT_OF_SCOPE,
    OVERVIEW_WORDS,
    RANK_WORDS,
    REPEAT_WORDS,
    SHARE_WORDS,
    SKU_HINT,
    TOKEN_RE,
    TOP_WORDS,
    TOTAL_WORDS,
    TREND_WORDS,
    UNDER_WORDS,
    WEEKDAY_WORDS,
    WHY_WORDS,
    blank_out,
    normalise_question,
)
from analytics.chat.when import P_RANGE, parse_periods
from analytics.grounding.context import DataContext, data_context
from analytics.grounding.periods import (
    range_period,
)
from analytics.schema import (
    CATEGORY,
    COST,
    CUSTOMER,
    PROFIT,
    QUANTITY,
    REVENUE,
    SKU,
)


def find_entities(
    text: str, lowered: str, names: pd.Index
) -> tuple[list[tuple[int, str]], str]:
    """Names from the data mentioned in the question, with their positions; the question
    with those mentions blanked out (so their words and digits are not parsed)."""
    if len(names) == 0:
        return [], lowered
    found: list[tuple[int, str]] = []
    tokens = {m.group(0).lower() for m in TOKEN_RE.finditer(text)}
    lower_names = names.str.lower()
    single = lower_names.isin(tokens)
    # Multi-word names (and names with punctuation the tokeniser splits) by substring.
    complex_mask = lower_names.str.contains(r"[^\w\-./]", regex=True) & ~single
    keep = np.asarray(single | complex_mask, dtype=bool)
    candidates = list(zip(lower_names[keep], names[keep], strict=True))
    for key, original in sorted(candidates, key=lambda kv: -len(kv[0])):
        if not key or key not in lowered:
            continue
        if key.isdigit() and len(key) < 4:
            continue  # "5" in "top 5" is not SKU "5"
        pattern = r"(?<![\w-])" + re.escape(key) + r"(?![\w-])"
        if len(key) <= 2 or key in COMMON_WORDS:
            # "a", "other", "home": only when written as in the data ("A", "Other").
            match = re.search(
                r"(?<![\w-])" + re.escape(str(original)) + r"(?![\w-])", text
            )
            if match is not None and lowered[match.start() : match.end()] != key:
                match = None  # already consumed by a longer name
        else:
            match = re.search(pattern, lowered)
        if match is None:
            continue
        found.append((match.start(), str(original)))
        lowered = blank_out(lowered, match.start(), match.end())
    found.sort()
    return found, lowered


def _parse_n(scan: str) -> int | None:
    match = N_RE.search(scan)
    if match:
        value = int(match.group(1) or match.group(2))
        return max(1, min(MAX_TOP_N, value))
    word = N_WORD_RE.search(scan)
    if word:
        return NUMBER_WORDS[word.group(1)]
    return None


def _first_match(
    scan: str, table: Sequence[tuple[str, re.Pattern[str]]]
) -> tuple[str | None, int]:
    best: tuple[str | None, int] = (None, len(scan) + 1)
    for name, pattern in table:
        match = pattern.search(scan)
        if match and match.start() < best[1]:
            best = (name, match.start())
    return best


def _metric(scan: str) -> tuple[str, bool]:
    """The metric asked for: "by X"/"in X" wins, else the first metric word."""
    by = re.search(r"\b(?:by|in terms of|on)\s+(\w+(?:\s\w+)?)", scan)
    if by:
        name, _ = _first_match(by.group(1), METRIC_WORDS)
        if name:
            return name, True
    # "sold"/"selling" mean revenue only when no other metric is named ("which city
    # sold the most units" asks for units)
    strong = re.sub(r"\b(?:sold|selling|sells?)\b", " ", scan)
    name, _ = _first_match(strong, METRIC_WORDS)
    if name is None:
        name, _ = _first_match(scan, METRIC_WORDS)
    return (name, True) if name else (REVENUE, False)


def parse_question(
    df: pd.DataFrame,
    question: str,
    *,
    history: Sequence[Mapping[str, Any]] = (),
    source_columns: Mapping[str, str | None] | None = None,
) -> Intent:
    """Parse ``question`` about the canonical frame ``df`` (see :class:`Intent`).

    ``source_columns`` maps the file's headers to the roles they are mapped to (None when
    unmapped); with it, the parser knows the file's own column names.
    """
    return parse_intent(
        normalise_question(question),
        data_context(df),
        history,
        chat_dataset(df, source_columns),
    )


def parse_intent(
    question: str,
    ctx: DataContext,
    history: Sequence[Mapping[str, Any]],
    dataset: ChatDataset | None = None,
) -> Intent:
    """The intent of ``question``, with the parts it does not cover as ``gaps``."""
    dataset = dataset or ChatDataset()
    intent, residue = _parse_core(question, ctx, history, dataset)
    gaps = list(intent.gaps) + coverage_gaps(residue, intent, ctx, dataset)
    return replace(intent, gaps=tuple(dict.fromkeys(gaps)))


#: Customers named as a grouping ("by customer", "which customers", "top clients").
_GROUPED_CUSTOMERS = re.compile(
    r"\b(?:by|per|each|every|across|which|what|among|top|best|worst|list|all)\s+"
    r"(?:the\s+|my\s+|our\s+)?(?:customers?|clients?|buyers?|accounts?)\b"
)
#: Words asking for an average of a measure column that does not add up.
_AVERAGE = re.compile(r"\b(?:average|avg|mean|typical)\b")


def _read_terms(
    question: str, scan: str, dataset: ChatDataset
) -> tuple[str, dict[str, list[str]], list[str], list[Gap], list[str]]:
    """Column names and values of the file in the question: filters (column -> values),
    groupings (frame columns), gaps; ``scan`` with them blanked (a mapped column's
    name replaced by its role's word, so "Sales" reads as revenue)."""
    where: dict[str, list[str]] = {}
    groups: list[str] = []
    gaps: list[Gap] = []
    measures: list[str] = []
    terms = find_terms(question, scan, dataset, AMBIGUOUS_WORDS, COMMON_WORDS)
    named = {t.column.frame_column for t in terms if t.value is None}
    for term in sorted(terms, key=lambda t: -t.start):
        column = term.column
        width = term.end - term.start
        if term.value is not None:
            choices = [column, *term.also]
            chosen = [c for c in choices if c.frame_column in named]
            if len(choices) > 1 and len(chosen) != 1:
                names = " and ".join(f"“{c.name}”" for c in choices[:3])
                gaps.append(
                    Gap(
                        term.text,
                        f"“{term.text}” is a value of {names} in your file; say which, "
                        f"for example “{choices[0].name} {term.text}”.",
                    )
                )
            else:
                target = chosen[0] if chosen else column
                value = term.value
                if target is not column:
                    value = next(
                        v for v in target.values if key_words(v) == key_words(value)
                    )
                values = where.setdefault(str(target.frame_column), [])
                if value not in values:
                    values.insert(0, value)
            scan = blank_out(scan, term.start, term.end)
            continue
        if column.role is not None:
            word = ROLE_WORDS.get(column.role, "")
            if column.frame_column is None and column.role not in ROLE_WORDS:
                word = ""
            scan = scan[: term.start] + word.ljust(width) + scan[term.end :]
            continue
        scan = blank_out(scan, term.start, term.end)
        if column.kind == "dimension" and column.usable:
            groups.insert(0, str(column.frame_column))
        elif (
            column.kind == "measure"
            and column.aggregation == "sum"
            and column.unit in ("money", "count")
        ):
            measures.insert(0, column.name)
        elif (
            column.kind == "measure"
            and column.aggregation in ("mean", "weighted_mean")
            and (average := _AVERAGE.search(scan)) is not None
        ):
            # "average temperature", "average discount": a mean (revenue-weighted for
            # a rate), never a sum
            measures.insert(0, column.name)
            scan = blank_out(scan, average.start(), average.end())
        elif column.kind == "measure":
            gaps.append(
                Gap(
                    term.text,
                    f"Your file's “{column.name}” column is a rate per line (such as "
                    "20%), not an amount: adding it up would give a wrong figure, and "
                    "it does not say what the rate cost in money."
                    if column.unit == "ratio"
                    else f"Your file's “{column.name}” column holds numbers I don't "
                    "answer questions about without the AI model; ask about revenue, "
                    "profit, cost or units instead.",
                )
            )
        elif column.kind == "date":
            gaps.append(
                Gap(
                    term.text,
                    f"I use the main date column for every period; I can't use "
                    f"“{column.name}” instead.",
                )
            )
        else:
            gaps.append(
                Gap(
                    term.text,
                    f"Your file has a “{column.name}” column, but it is not part of the "
                    "data I can use (only the columns mapped on upload are kept), so I "
                    "can't filter or group by it.",
                )
            )
    # A column named next to one of its values ("the West region") is that filter.
    groups = [g for g in dict.fromkeys(groups) if g not in where]
    return scan, where, groups, gaps, measures


def _parse_core(
    question: str,
    ctx: DataContext,
    history: Sequence[Mapping[str, Any]],
    dataset: ChatDataset,
) -> tuple[Intent, str]:
    lowered = question.lower()
    sku_hits, scan = find_entities(question, lowered, ctx.skus)
    cat_hits, scan = find_entities(question, scan, ctx.categories)
    skus = tuple(dict.fromkeys(name for _, name in sku_hits))
    categories = tuple(dict.fromkeys(name for _, name in cat_hits))
    scan, where, groups, term_gaps, measures = _read_terms(question, scan, dataset)
    if len(set(measures)) > 1:
        term_gaps.append(
            Gap(
                " and ".join(dict.fromkeys(measures)),
                "I answer about one of your file's measure columns at a time.",
            )
        )
    period_hits, horizon, notes, scan = parse_periods(scan, ctx)
    periods = [p for _, p in period_hits]
    scan, weekdays, day_gaps = read_days(scan)
    term_gaps.extend(day_gaps)
    scan, ask, spend = read_customer_ask(scan)
    scan, everyday = everyday_words(scan, ctx)
    n = _parse_n(scan)
    metric, metric_given = _metric(scan)
    if spend and not metric_given:
        metric, metric_given = REVENUE, True  # "what does a customer spend"
    scan = blank_daily(scan, metric) if weekdays else scan
    if everyday is not None and not metric_given:
        # "busiest", "popular": the measure they stand for, said in a note
        word, metric, superlative = everyday
        metric_given = True
        notes = [*notes, f"“{word}” is read as {EVERYDAY_MEASURES[metric]}."]
    dimension, _ = _first_match(scan, DIMENSION_WORDS)
    if groups:
        dimension = groups[0]
        if len(groups) > 1:
            term_gaps.append(
                Gap(
                    " and ".join(groups),
                    "I can group by one column at a time; ask about each separately.",
                )
            )
    if MONTH_OF_YEAR_WORDS.search(scan) and dimension in (None, "month", "year"):
        dimension = "month_of_year"
    elif WEEKDAY_WORDS.search(scan) and dimension in (None, "day", "week"):
        dimension = "weekday"

    if (
        everyday is not None
        and everyday[2]
        and dimension is None
        and not (skus or categories or where)
    ):
        notes = notes[:-1]  # nothing is read as busiest: no note about how
        term_gaps.append(
            Gap(
                everyday[0],
                f"Say {everyday[0]} what: a month, week, day, day of the week, product, "
                "category or one of your file's columns (for example “which month "
                f"was {everyday[0]}”).",
            )
        )

    missing_sku = None
    if not skus and ctx.has_sku:
        hint = SKU_HINT.search(question)
        if hint and hint.group(1).lower() not in {
            "ranked",
            "rank",
            "is",
            "in",
            "by",
            "with",
        }:
            word = hint.group(1)
            if any(ch.isdigit() for ch in word) or word.isupper():
                missing_sku = word

    base = Intent(
        kind="overview",
        metric=metric,
        metric_given=metric_given,
        periods=tuple(periods),
        n=n,
        dimension=dimension,
        skus=skus,
        categories=categories,
        horizon=horizon,
        notes=tuple(notes),
        missing_sku=missing_sku,
        where=tuple((column, tuple(values)) for column, values in where.items()),
        gaps=tuple(term_gaps),
        measure=measures[0] if measures else None,
        weekdays=weekdays,
    )
    intent = _decide(question, base, ctx, history, dataset, scan)
    return settle(intent, ask, ctx, scan), scan


def _decide(
    question: str,
    base: Intent,
    ctx: DataContext,
    history: Sequence[Mapping[str, Any]],
    dataset: ChatDataset,
    scan: str,
) -> Intent:
    """The kind of question, from the words left in ``scan``."""
    periods = list(base.periods)
    skus, categories, n = base.skus, base.categories, base.n
    metric, metric_given, dimension = base.metric, base.metric_given, base.dimension
    horizon, missing_sku = base.horizon, base.missing_sku
    where = base.where

    for topic, pattern in OUT_OF_SCOPE.items():
        if pattern.search(scan):
            return replace(base, kind="out_of_scope", topic=topic)
    if base.measure is not None:
        return replace(base, kind="measure_query")

    growth = bool(GROWTH_WORDS.search(scan)) and not HOW_TO_WORDS.search(scan)
    forecast_words = bool(FORECAST_WORDS.search(scan)) or horizon is not None
    future = [
        p for p in periods if ctx.covered_to is not None and p.start > ctx.covered_to
    ]
    if forecast_words or (future and len(future) == len(periods)):
        if future and horizon is None:
            base = replace(base, periods=tuple(future))
        return replace(base, kind="forecast")
    if missing_sku and (
        RANK_WORDS.search(scan) or WHY_WORDS.search(scan) or not periods
    ):
        return replace(base, kind="unknown_sku")
    if (
        growth
        and dimension is not None
        and dimension not in PERIOD_DIMENSIONS
        and dimension not in CALENDAR_DIMENSIONS
        and not (skus or categories or where)
    ):
        # "which store grew the most": a ranking by change, not one I compute
        singular, plural = dimension_words(dimension)
        gap = Gap(
            GROWTH_WORDS.search(scan).group(0),
            f"I can't yet rank {plural} by how much they grew; I can compare two "
            f"periods for all your data or for one {singular}, or rank {plural} "
            "within one period.",
        )
        return replace(base, kind="ranking", gaps=(*base.gaps, gap))
    if growth and periods:
        # "how much did revenue grow in 2024": the period against the one before it
        # (or the two periods named: "from 2023 to 2024")
        return replace(base, kind="compare")
    if RANK_WORDS.search(scan) and (
        skus
        or WHY_WORDS.search(scan)
        or BOTTOM_WORDS.search(scan)
        or UNDER_WORDS.search(scan)
    ):
        return replace(base, kind="explain_rank")
    if (
        MARGIN_WORDS.search(scan)
        and IMPROVE_WORDS.search(scan)
        or (IMPROVE_WORDS.search(scan) and metric == PROFIT and not periods)
    ):
        return replace(base, kind="margin")
    if HOW_TO_WORDS.search(scan) and IMPROVE_WORDS.search(scan):
        # "how can I grow sales": advice, not a figure; a total would answer a
        # different question
        asked = HOW_TO_WORDS.search(scan).group(0)
        gap = Gap(
            asked,
            "I answer questions about your figures; advice on how to grow is "
            "something I give only for profit (ask “How do I improve profit?”). Ask "
            "what sells best, or how revenue changed, instead.",
        )
        return replace(base, kind="total", gaps=(*base.gaps, gap))
    if (
        BOTTOM_WORDS.search(scan)
        and (n is not None or dimension is not None)
        and not WHY_WORDS.search(scan)
    ):
        specific = (
            n is not None
            or dimension in PERIOD_DIMENSIONS
            or (dimension != SKU or metric_given)
        )
        if not UNDER_WORDS.search(scan) or specific:
            return replace(base, kind="ranking", bottom=True)
    if REPEAT_WORDS.search(scan):
        return replace(base, kind="repeat_customers", dimension=CUSTOMER)
    if UNDER_WORDS.search(scan):
        if dimension not in (None, SKU, *PERIOD_DIMENSIONS, *CALENDAR_DIMENSIONS):
            decline = _DECLINE.search(scan)
            if decline:
                singular = dimension_words(dimension)[0]
                gap = Gap(
                    decline.group(0),
                    f"I can't yet tell which {singular} is {decline.group(0)} over "
                    f"time; I can rank each {singular} in a period, or compare two "
                    "periods.",
                )
                return replace(base, kind="ranking", gaps=(*base.gaps, gap))
            # "Which sub-category loses money?": the weakest of that column by profit.
            weakest = PROFIT if ctx.has_profit and not metric_given else metric
            return replace(base, kind="ranking", bottom=True, metric=weakest)
        return replace(base, kind="underperforming")
    if len(periods) >= 2 and P_RANGE.search(scan) and not COMPARE_WORDS.search(scan):
        first, second = periods[0], periods[1]
        spanning = range_period(
            first.start, second.end, f"{first.label} to {second.label}"
        )
        base = replace(base, periods=(spanning,))
        periods = [spanning]
    several = [column for column, values in where if len(values) >= 2]
    if (len(skus) >= 2 or len(categories) >= 2 or several) and len(periods) < 2:
        if dimension is None or dimension in several or not several:
            return replace(base, kind="compare_entities")
    if (
        SHARE_WORDS.search(scan)
        and (skus or categories or where)
        and (dimension is None or dimension == SKU and skus)
    ):
        return replace(base, kind="total", share=True)
    if len(periods) >= 2 or (COMPARE_WORDS.search(scan) and periods):
        return replace(base, kind="compare")
    if HOW_MANY_WORDS.search(scan) and (
        dimension in (SKU, CATEGORY, CUSTOMER)
        or dimension in dict(where)
        or (
            dimension is not None
            and dimension not in PERIOD_DIMENSIONS
            and dimension not in CALENDAR_DIMENSIONS
        )
    ):
        if not metric_given or metric == REVENUE and "sold" not in scan:
            return replace(base, kind="count")
    if (
        TOP_WORDS.search(scan)
        and (n is not None or dimension is not None)
        or (n is not None and dimension is not None)
    ):
        return replace(base, kind="ranking")
    if dimension in CALENDAR_DIMENSIONS:
        return replace(base, kind="ranking", bottom=bool(BOTTOM_WORDS.search(scan)))
    if TREND_WORDS.search(scan) and not skus:
        if (
            metric_given
            and metric not in (REVENUE, PROFIT, COST, QUANTITY)
            and dimension not in PERIOD_DIMENSIONS
            and periods
        ):
            # "how has margin changed this year": the period's figure and its changes
            return replace(base, kind="total")
        return replace(base, kind="trend")
    if dimension in PERIOD_DIMENSIONS and not skus:
        return replace(base, kind="trend")
    if (
        dimension == CUSTOMER
        and (where or categories)
        and (metric_given or re.search(r"\bhow much\b", scan))
        and not BREAKDOWN_WORDS.search(scan)
        and not _GROUPED_CUSTOMERS.search(scan)
    ):
        # "revenue from customers in Germany": who bought, not a grouping by customer
        dimension = None
        base = replace(base, dimension=None)
    if BREAKDOWN_WORDS.search(scan) or (
        dimension is not None and dimension != SKU and not skus
    ):
        return replace(base, kind="breakdown", dimension=dimension or CATEGORY)
    if skus and not periods and not metric_given:
        return replace(base, kind="sku")
    if metric_given or periods or skus or categories or where:
        if periods or skus or categories or where or TOTAL_WORDS.search(scan):
            follow = _follow_up(
                question, base, ctx, history, dataset, allow=not metric_given
            )
            return follow or replace(base, kind="total")
    follow = _follow_up(question, base, ctx, history, dataset, allow=True)
    if follow is not None:
        return follow
    if HELP_WORDS.search(scan):
        return replace(base, kind="help")
    if metric_given:
        return replace(base, kind="total")
    if OVERVIEW_WORDS.search(scan) or TREND_WORDS.search(scan):
        return replace(base, kind="overview")
    return replace(base, kind="overview")


_DECLINE = re.compile(
    r"\b(?:declin\w*|falling|shrinking|dropping|drag\w*|lagging|struggl\w*)\b"
)
#: Single words that are values of a column only when written as the data writes them.
AMBIGUOUS_WORDS = COMMON_WORDS | FILLER


def _follow_up(
    question: str,
    base: Intent,
    ctx: DataContext,
    history: Sequence[Mapping[str, Any]],
    dataset: ChatDataset,
    *,
    allow: bool,
) -> Intent | None:
    """The previous question's intent with this question's slots, for follow-ups."""
    if not history or not allow:
        return None
    short = len(question.split()) <= 6
    if not (FOLLOW_UP.search(question.lower()) or short):
        return None
    previous_question = str(history[-1].get("question") or "")
    if not previous_question:
        return None
    previous, _ = _parse_core(
        normalise_question(previous_question), ctx, history[:-1], dataset
    )
    if previous.kind in ("out_of_scope", "help", "overview", "unknown_sku"):
        return None
    merged = replace(
        previous,
        metric=base.metric if base.metric_given else previous.metric,
        metric_given=base.metric_given or previous.metric_given,
        periods=base.periods or previous.periods,
        n=base.n if base.n is not None else previous.n,
        skus=base.skus or previous.skus,
        categories=base.categories or previous.categories,
        dimension=base.dimension or previous.dimension,
        horizon=base.horizon or previous.horizon,
        where=base.where or previous.where,
        weekdays=base.weekdays or previous.weekdays,
        gaps=base.gaps,
        notes=base.notes,
        follow_up=True,
    )
    if merged.kind == "compare" and len(merged.periods) == 1 and len(base.periods) == 1:
        merged = replace(merged, kind="total")
    return merged


# --------------------------------------------------------------------------- answer sheet
