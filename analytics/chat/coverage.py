"""The coverage check: every part of a question must be accounted for by its intent.

After parsing, what is left of the question (names of the file, periods, column names and
values already taken out) is read again: metric and grouping words must be the ones the
intent uses, concepts the data lacks ("churn", "orders" without an order id) are named,
and any other word that is not common filler is a word the chat does not understand.
Each becomes a :class:`Gap`; a question with gaps is answered by saying what cannot be
answered and why, never by answering a different question.
"""

from __future__ import annotations

import difflib
import re

from analytics.chat.common import (
    AOV,
    AOV_ORDER,
    AVG_PRICE,
    CALENDAR_DIMENSIONS,
    METRIC_LABELS,
    ORDERS,
    PERIOD_DIMENSIONS,
    Gap,
    Intent,
    dimension_words,
    metric_available,
)
from analytics.chat.dataset import ChatDataset
from analytics.chat.vocabulary import (
    BOTTOM_WORDS,
    BREAKDOWN_WORDS,
    COMPARE_WORDS,
    DIMENSION_WORDS,
    FOLLOW_UP,
    FORECAST_WORDS,
    GROWTH_WORDS,
    HELP_WORDS,
    HOW_MANY_WORDS,
    IMPROVE_WORDS,
    MARGIN_WORDS,
    METRIC_WORDS,
    MONTH_OF_YEAR_WORDS,
    N_RE,
    N_WORD_RE,
    OVERVIEW_WORDS,
    RANK_WORDS,
    REPEAT_WORDS,
    SHARE_WORDS,
    TOP_WORDS,
    TOTAL_WORDS,
    TREND_WORDS,
    UNDER_WORDS,
    WEEKDAY_WORDS,
    WHY_WORDS,
    word_pattern,
)
from analytics.grounding.context import DataContext
from analytics.schema import CATEGORY, COST, CUSTOMER, PROFIT, QUANTITY, REVENUE, SKU

#: Words that carry no content of their own in a question about the data.
FILLER = frozenset(
    """a about above after again all almost also am an and any anything are around as
    at be been before being below between both but by can could did do does doing done
    during each either else ever every for from get gets getting give go going got had
    has have having he her here hers him his how i if in into is it its itself just
    kind know let like look looking me might mine more most much must my near need
    no nor not now of off on once one only or other our ours out over own please
    quite rather really right s same see shall she should show so some such t tell
    than thank thanks that the their theirs them then there these they thing things
    this those through to too under until up upon us very via want was way we well
    were what whatever when where whether which while who whom whose why will with
    within without would yet you your yours hi hello hey dear pls main key money id ids ship shipped
    earlier later before ago since actually basically anyway
    d ll m re ve don didn doesn isn wasn weren aren haven hasn won wouldn couldn
    business company shop firm store stores data file sheet dataset table numbers
    number figure figures value values overall altogether combined everything whole
    currently today so far ever since until through period periods time times
    list lists listing give gave show shown display tell told find found compute
    computed calculate calculated see seen check checked know need needs want wants
    make makes made making bring brings brought earn earns earned earning generate
    generates generated generating do did done sell sells sold buy buys bought
    purchase purchased spend spends spent come comes came account accounted
    contribute contributes contributed drive drives drove driven
    happen happened get got give provide report reported breakdown split
    top rank ranked list biggest big small large high low higher lower greater
    good great nice best worst strong strongest weak weakest most least more less
    approximately roughly exactly about around total totals sum overall net gross
    amount amounts level levels figure result results performance stats
    statistics metric metrics kpi summary per each every single individual
    respectively including include includes included only just
    them themselves ones one two three four five six seven eight nine ten first
    second third last latest recent recently previous current entire full whole
    up down compared compare comparison vs versus against relative""".split()
)

_CUSTOMER_WORDS = word_pattern(r"customers?", r"clients?", r"buyers?")
_SKU_WORDS = word_pattern(r"products?", r"skus?", r"items?", r"articles?")
_CATEGORY_WORDS = word_pattern(r"categor(?:y|ies)", r"departments?")


def _dimension_word(dimension: str | None) -> str:
    return dimension_words(dimension)[0] if dimension else "nothing"


#: Measures a trend answer computes (others would be replaced by revenue).
_TREND_METRICS = frozenset({REVENUE, PROFIT, COST, QUANTITY})
#: Parts of a question the parser cannot apply, so answering without them would answer a
#: different question: leaving values out, and thresholds on a figure.
_UNREAD: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        word_pattern(
            r"excluding", r"exclude[sd]?", r"except(?: for)?", r"apart from",
            r"other than", r"besides", r"outside(?: of)?", r"not (?:in|from|including)",
            r"but not", r"leaving out", r"leave out", r"without",
        ),
        "I can't leave values out of an answer yet; ask about the values you want "
        "instead (for example “Central, East and South”).",
    ),
    (
        re.compile(
            r"\b(?:more|fewer|less|greater|bigger|larger|smaller) than \$?\d[\d,.]*"
            r"|\b(?:at least|at most|over|above|below|under|exceeding) \$?\d[\d,.]*"
        ),
        "I can't filter by a threshold on a figure (such as “more than 5”) yet.",
    ),
)  # fmt: skip
#: Concepts the data does not hold, each with the reason shown.
CONCEPTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        word_pattern(r"churn\w*", r"retention", r"retain\w*", r"attrition"),
        "I don't know what “{word}” means for this data: it holds sales lines, not "
        "subscriptions or cancellations, so customer churn or retention cannot be "
        "measured from it.",
    ),
    (
        word_pattern(
            r"lifetime value",
            r"ltv",
            r"clv",
            r"acquisition cost",
            r"cac",
            r"conversions?",
        ),
        "Your data has no marketing or acquisition figures, so “{word}” cannot be "
        "computed from it.",
    ),
    (
        word_pattern(r"targets?", r"budgets?", r"goals?", r"quotas?", r"plan(?:ned)?"),
        "Your data holds actual sales only; it has no {word} to compare them with.",
    ),
    (
        word_pattern(
            r"shipping",
            r"shipment\w*",
            r"delivery",
            r"deliveries",
            r"freight",
            r"postage",
        ),
        "Your data has no shipping figures, so I can't answer about “{word}”.",
    ),
    (
        word_pattern(
            r"discounts?", r"discounted", r"markdowns?", r"coupons?", r"promo\w*"
        ),
        "Your data has no discount column, so I can't tell what “{word}” cost or earned.",
    ),
    (
        word_pattern(
            r"returns?", r"returned", r"refunds?", r"refunded", r"chargebacks?"
        ),
        "Your data shows returns only as negative lines within revenue; it has no "
        "separate returns column, so I can't answer about “{word}” on their own.",
    ),
    (
        word_pattern(r"new customers?", r"first[- ]time", r"acquired", r"acquisition"),
        "I can count new customers (a first purchase in a period: “How many new "
        "customers in 2024?”) and what they brought, but not “{word}” as asked.",
    ),
    (
        word_pattern(
            r"regions?",
            r"countr(?:y|ies)",
            r"states?",
            r"cit(?:y|ies)",
            r"towns?",
            r"provinces?",
            r"channels?",
            r"reps?",
            r"salespeople",
            r"sales reps?",
            r"salesperson",
            r"payment methods?",
            r"locations?",
            r"branch(?:es)?",
            r"outlets?",
        ),
        "Your data has no “{word}” column I can use, so I can't answer by {word}.",
    ),
)

#: "paid by card", "paying with cash": words that lead to a payment method's value.
PAID_WITH = word_pattern(r"(?:paid|pays?|paying) (?:by|with|via|using)")
_ALL_VOCABULARY: tuple[re.Pattern[str], ...] = (
    BOTTOM_WORDS, BREAKDOWN_WORDS, COMPARE_WORDS, FOLLOW_UP, FORECAST_WORDS, HELP_WORDS,
    HOW_MANY_WORDS, IMPROVE_WORDS, MARGIN_WORDS, MONTH_OF_YEAR_WORDS, N_RE, N_WORD_RE,
    OVERVIEW_WORDS, RANK_WORDS, REPEAT_WORDS, SHARE_WORDS, TOP_WORDS, TOTAL_WORDS,
    TREND_WORDS, UNDER_WORDS, WEEKDAY_WORDS, WHY_WORDS, GROWTH_WORDS,
    *(pattern for _, pattern in METRIC_WORDS),
    *(pattern for _, pattern in DIMENSION_WORDS),
    PAID_WITH,
)  # fmt: skip
_GROUPING = re.compile(r"\b(?:by|per|each|every|across|which|what)\s+(?:the\s+)?")
_WORD = re.compile(r"[^\W_]+")
#: Intents that compute one metric for one grouping: their words must match exactly.
_STRICT = frozenset(
    {
        "total",
        "ranking",
        "breakdown",
        "count",
        "compare_entities",
        "measure_query",
        "weekday_total",
        "per_customer",
        "new_customers",
        "retention",
        "rfm_segments",
    }
)
#: Metrics each intent shows besides the one asked for.
_SHOWN_WITH = {
    "total": {PROFIT, "margin", "transactions"},
    "ranking": {REVENUE, "margin"},
    "breakdown": {REVENUE, "margin"},
    "count": {"transactions", REVENUE},
    "compare_entities": {REVENUE, PROFIT, "margin", "transactions"},
    "measure_query": set(),
    "weekday_total": {"transactions"},
    "per_customer": {REVENUE, ORDERS, "customers"},
    "new_customers": {REVENUE, "customers"},
    "retention": {REVENUE, "customers"},
    "rfm_segments": {REVENUE, "customers"},
}
#: Intents that are themselves answers about what cannot be answered.
SKIPPED = frozenset({"out_of_scope", "help", "unknown_sku", "empty"})


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def coverage_gaps(
    residue: str, intent: Intent, ctx: DataContext, dataset: ChatDataset
) -> list[Gap]:
    """Parts of the question (``residue``: what the parser left of it) that ``intent``
    does not account for."""
    if intent.kind in SKIPPED:
        return []
    gaps: list[Gap] = []
    scan = residue

    for pattern, reason in _UNREAD:
        for match in list(pattern.finditer(scan)):
            gaps.append(Gap(match.group(0).strip(), reason))
            scan = _blank(scan, match.start(), match.end())
    if intent.kind == "trend" and (
        intent.metric_given and intent.metric not in _TREND_METRICS
    ):
        gaps.append(
            Gap(
                METRIC_LABELS.get(intent.metric, intent.metric).lower(),
                "I show a trend of revenue, profit, cost or units only; ask for the "
                f"{METRIC_LABELS.get(intent.metric, intent.metric).lower()} of one "
                "period, or which month had the highest.",
            )
        )
    for role, pattern, named in (
        (CUSTOMER, _CUSTOMER_WORDS, intent.metric == "customers"),
        (SKU, _SKU_WORDS, bool(intent.skus)),
        (CATEGORY, _CATEGORY_WORDS, bool(intent.categories)),
    ):
        word = pattern.search(residue)
        if (
            word
            and not named
            and intent.kind in ("ranking", "breakdown")
            and intent.dimension != role
        ):
            # "which state has the most categories", "which region's customers spend
            # most": the word is neither the grouping, a filter nor the measure
            gaps.append(
                Gap(
                    word.group(0),
                    f"This answer is grouped by "
                    f"{_dimension_word(intent.dimension)}, not about “{word.group(0)}”; "
                    f"ask about {word.group(0)} as a separate question.",
                )
            )
    if intent.kind == "trend" and HOW_MANY_WORDS.search(residue):
        gaps.append(
            Gap(
                "how many",
                "I don't count periods; ask for a total or a trend of one period.",
            )
        )

    if intent.metric in (ORDERS, AOV_ORDER) and not ctx.has_orders:
        header = dataset.header_of("order_id")
        gaps.append(
            Gap(
                "orders",
                "Your data has no order id column, so I can't tell which lines belong "
                "to the same order; I can count lines (transactions) and give the "
                "average per line instead."
                if header is None
                else f"Your file's “{header}” column is not kept as an order id, so I "
                "can't count orders.",
            )
        )

    if (
        intent.metric_given
        and intent.metric not in (ORDERS, AOV_ORDER)
        and intent.kind not in _OWN_MESSAGES
        and not metric_available(ctx, intent.metric)
    ):
        needs = {
            QUANTITY: "quantity",
            AVG_PRICE: "quantity",
            COST: "cost",
            "customers": "customer id",
        }.get(intent.metric, "cost or profit")
        gaps.append(
            Gap(
                METRIC_LABELS.get(intent.metric, intent.metric).lower(),
                f"Your data has no {needs} figures, so I can't give "
                f"{METRIC_LABELS.get(intent.metric, intent.metric).lower()}. Map a "
                f"{needs} column when uploading to unlock it.",
            )
        )

    if intent.kind == "repeat_customers" and not ctx.has_customer:
        gaps.append(
            Gap(
                "more than once",
                "Your data has no customer column, so I can't tell who came back.",
            )
        )

    for pattern, reason in CONCEPTS:
        for match in list(pattern.finditer(scan)):
            word = match.group(0)
            gaps.append(Gap(word, reason.format(word=word)))
            scan = _blank(scan, match.start(), match.end())

    if intent.kind in _STRICT:
        allowed = {intent.metric} | _SHOWN_WITH.get(intent.kind, set())
        if intent.metric == AOV:
            allowed |= {REVENUE, "transactions"}
        if intent.metric == AOV_ORDER:
            allowed |= {REVENUE, ORDERS}
        if intent.kind == "total" and intent.metric != REVENUE:
            allowed -= {PROFIT, "margin"}
        if intent.metric in (PROFIT, "margin"):
            allowed |= {PROFIT, "margin"}
        for metric, pattern in METRIC_WORDS:
            for match in pattern.finditer(scan):
                if match.group(0) in ("sold", "selling", "sell"):
                    continue  # "units sold", "products sold": not a second metric
                if metric not in allowed and not _inside_metric(match, scan, intent):
                    gaps.append(
                        Gap(
                            match.group(0),
                            f"This answer is about {_metric_name(intent.metric)}; ask "
                            f"about “{match.group(0)}” as a separate question.",
                        )
                    )

    grouped = intent.dimension
    if (
        grouped is not None
        and grouped not in (SKU, CATEGORY, CUSTOMER, *PERIOD_DIMENSIONS)
        and grouped not in CALENDAR_DIMENSIONS
        and intent.kind
        not in ("ranking", "breakdown", "count", "compare_entities", "measure_query")
    ):
        singular = dimension_words(grouped)[0]
        gaps.append(
            Gap(
                singular,
                f"I can rank, break down or count by {singular}, but not in this kind "
                "of answer; ask, for example, for the best or the breakdown by "
                f"{singular}.",
            )
        )
    for match in _GROUPING.finditer(scan):
        rest = scan[match.end() :]
        for dimension, pattern in DIMENSION_WORDS:
            word = pattern.match(rest)
            if word is None:
                continue
            if _groups_by(intent, dimension):
                break
            if intent.kind in ("total", "compare") and dimension in PERIOD_DIMENSIONS:
                gaps.append(
                    Gap(
                        f"{match.group(0).strip()} {word.group(0)}",
                        "I can't list the figure per "
                        f"{dimension} in this answer; ask for the best "
                        f"{dimension}s or the trend instead.",
                    )
                )
            elif intent.kind in _STRICT and grouped != dimension:
                singular, plural = dimension_words(dimension)
                gaps.append(
                    Gap(
                        f"{match.group(0).strip()} {word.group(0)}",
                        f"This answer is not split by {singular}; grouping by "
                        f"{'two things' if grouped else plural} at once is not "
                        "something I can do yet.",
                    )
                )
            break

    for pattern in _ALL_VOCABULARY:
        for match in list(pattern.finditer(scan)):
            scan = _blank(scan, match.start(), match.end())
    unknown = [
        m.group(0)
        for m in _WORD.finditer(scan)
        if m.group(0) not in FILLER and not m.group(0).isdigit()
    ]
    for word in dict.fromkeys(unknown):
        close = difflib.get_close_matches(word, _known_words(dataset), n=1, cutoff=0.8)
        hint = f" Did you mean “{close[0]}”?" if close else ""
        gaps.append(
            Gap(
                word,
                f"I don't know what “{word}” means for this data: it is not a column, "
                f"a value or a measure I can find in your file.{hint}",
                "unknown",
            )
        )
    return gaps


#: Intents that explain a missing cost column in their own words.
_OWN_MESSAGES = frozenset(
    {"margin", "underperforming", "overview", "explain_rank", "sku"}
)


def _known_words(dataset: ChatDataset) -> list[str]:
    """Words a misspelt question word may have meant: measures, groupings, the file's
    column names and values."""
    words = ["revenue", "profit", "margin", "sales", "cost", "units", "orders"]
    words += ["products", "categories", "customers", "transactions", "forecast"]
    words += [c.name.lower() for c in dataset.columns]
    words += [" ".join(key) for key in dataset.values if len(key) == 1]
    return words


def _inside_metric(match: re.Match[str], scan: str, intent: Intent) -> bool:
    """'sales' inside 'average sale', 'order' inside 'order value' etc. are part of the
    intent's own metric phrase."""
    for metric, pattern in METRIC_WORDS:
        if metric != intent.metric:
            continue
        for own in pattern.finditer(scan):
            if own.start() <= match.start() and match.end() <= own.end():
                return True
    return False


def _groups_by(intent: Intent, dimension: str) -> bool:
    if intent.dimension == dimension:
        return True
    if dimension == "month" and intent.dimension in CALENDAR_DIMENSIONS:
        return True
    if dimension == "day" and intent.dimension == "weekday":
        return True
    if (
        intent.kind
        in (
            "repeat_customers",
            "per_customer",
            "new_customers",
            "retention",
            "rfm_segments",
        )
        and dimension == CUSTOMER
    ):
        return True
    if intent.kind == "compare_entities":
        return (dimension == CATEGORY and len(intent.categories) >= 2) or (
            dimension == SKU and len(intent.skus) >= 2
        )
    if intent.kind not in _STRICT and intent.kind not in ("total", "compare"):
        return True
    return (
        dimension in (SKU,)
        and bool(intent.skus)
        or (dimension == CATEGORY and bool(intent.categories))
    )


def _metric_name(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric).lower()
