"""Questions about a subset of days or about customers on average, read from words.

- Named days of the week are a *filter*: "revenue on Mondays", "sales on weekends",
  "orders on weekdays" (Monday to Friday; "weekday" alone is the day-of-week grouping
  of "which weekday sells most").
- "X per customer" (or "each customer on average") asks for an average over customers,
  not a list of customers: "orders per customer", "average revenue per customer",
  "how much does a customer spend on average". With "by customer", "for each customer"
  (without "average"), "list" or "breakdown" it stays a breakdown.
- "new customers" (and "first-time buyers", "new vs returning") asks how many customers
  bought for the first time in a period, and what they and the returning ones brought.
"""

from __future__ import annotations

import re
from dataclasses import replace

from analytics.chat.common import (
    AOV,
    AOV_ORDER,
    AVG_PRICE,
    CUSTOMERS,
    METRIC_LABELS,
    ORDERS,
    Gap,
    Intent,
    dimension_words,
)
from analytics.chat.vocabulary import BOTTOM_WORDS, TOP_WORDS, blank_out, word_pattern
from analytics.grounding.context import DataContext
from analytics.schema import CUSTOMER, REVENUE

#: Day-of-week numbers (Monday = 0) of each day name's stem.
DAY_STEMS = {
    "mon": 0,
    "tues": 1,
    "wednes": 2,
    "thurs": 3,
    "fri": 4,
    "satur": 5,
    "sun": 6,
}
DAY_NAMES = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
WEEKEND = (5, 6)
WORKING_DAYS = (0, 1, 2, 3, 4)

_DAYS = re.compile(
    r"\b(?P<prep>(?:on|during|for|over|at|in|from|across)\s+)?(?:the\s+|a\s+|all\s+)?"
    r"(?:(?P<day>mon|tues|wednes|thurs|fri|satur|sun)days?"
    r"|(?P<weekend>week-?ends?)"
    r"|(?P<working>weekdays?|working days?|business days?|work ?days?))\b"
)


#: One particular day ("last Monday", "this weekend"), not every such day.
_ONE_DAY = re.compile(
    r"\b(?:last|this|past|previous|next|coming|that|yesterday|today)\s+"
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|week-?end)\b"
)


def read_days(scan: str) -> tuple[str, tuple[int, ...], list[Gap]]:
    """Named days of the week in ``scan``: (scan with them blanked, day numbers, gaps
    for one particular day such as "last Monday"). "weekdays" is read as Monday to
    Friday only after a preposition ("on weekdays"): alone it names the day-of-week
    grouping."""
    days: list[int] = []
    gaps = [
        Gap(
            match.group(0),
            "I read a named day as every such day (“revenue on Mondays”); for one "
            "day, give its date (for example “revenue on 2024-03-04”).",
        )
        for match in _ONE_DAY.finditer(scan)
    ]
    for match in list(_ONE_DAY.finditer(scan)):
        scan = blank_out(scan, match.start(), match.end())
    for match in list(_DAYS.finditer(scan)):
        if match.group("day"):
            chosen: tuple[int, ...] = (DAY_STEMS[match.group("day")],)
        elif match.group("weekend"):
            chosen = WEEKEND
        elif match.group("prep") or not match.group("working").startswith("weekday"):
            chosen = WORKING_DAYS
        else:
            continue
        days.extend(chosen)
        scan = blank_out(scan, match.start(), match.end())
    return scan, tuple(dict.fromkeys(days)), gaps


def days_words(days: tuple[int, ...]) -> str:
    """ "Mondays", "weekends (Saturdays and Sundays)", "weekdays (Monday to Friday)"."""
    if tuple(sorted(days)) == WEEKEND:
        return "weekends (Saturdays and Sundays)"
    if tuple(sorted(days)) == WORKING_DAYS:
        return "weekdays (Monday to Friday)"
    names = [DAY_NAMES[d] + "s" for d in sorted(days)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def days_unit(days: tuple[int, ...]) -> str:
    """The days counted: "Mondays", "weekend days", "weekdays", "Mondays and Fridays"."""
    if tuple(sorted(days)) == WEEKEND:
        return "weekend days"
    if tuple(sorted(days)) == WORKING_DAYS:
        return "weekdays"
    return days_words(days)


_DAILY = word_pattern(
    r"on average", r"average", r"avg", r"mean", r"typical", r"per day", r"a day",
    r"daily", r"each day", r"every day",
)  # fmt: skip


def blank_daily(scan: str, metric: str) -> str:
    """ "average revenue on Sundays": the answer's average per day, so the words asking
    for it are accounted for (not those of an average metric: "average order value")."""
    if metric in (AOV, AOV_ORDER, AVG_PRICE):
        return scan
    for match in list(_DAILY.finditer(scan)):
        scan = blank_out(scan, match.start(), match.end())
    return scan


#: "average" and its kin.
AVERAGE_WORDS = word_pattern(
    r"on average", r"averages?", r"avg", r"mean", r"typical(?:ly)?", r"usually"
)
_CUSTOMER = r"(?:customers?|clients?|buyers?|shoppers?|accounts?)"
_PER_CUSTOMER = re.compile(rf"\bper {_CUSTOMER}\b")
_EACH_CUSTOMER = re.compile(
    rf"\b(?:each|every|a|an|one|the average|an average|the typical|a typical) "
    rf"{_CUSTOMER}\b"
)
#: Customers as the ones spending: "do customers spend", "customers spent".
_CUSTOMERS_SPEND = re.compile(
    rf"\b{_CUSTOMER}(?:\s+\w+){{0,3}}?\s+(?:spend\w*|spent)\b"
)
_AVERAGE_CUSTOMER = re.compile(
    r"\baverage (?:customer|client|buyer) (?:spend\w*|value|revenue|sales)\b"
)
#: Words that ask for every customer's own figure instead of the average.
_LISTED = word_pattern(
    rf"by {_CUSTOMER}",
    rf"for each {_CUSTOMER}",
    rf"each {_CUSTOMER}'s",
    rf"(?:each|every) {_CUSTOMER}",
    r"list\w*",
    r"breakdown",
    r"break down",
    r"split",
    r"top",
    r"bottom",
    r"best",
    r"worst",
    r"which",
    r"who",
    r"most",
    r"least",
)
#: Verbs of a per-customer question that add nothing to it ("does a customer spend").
_CUSTOMER_VERBS = word_pattern(
    r"spend\w*", r"spent", r"place[sd]?", r"placing", r"makes?", r"made", r"buys?",
    r"bought", r"brings?", r"brought", r"generate[sd]?", r"worth",
)  # fmt: skip
#: "spend" and "worth" mean revenue.
_SPEND = word_pattern(
    r"spend\w*", r"spent", r"worth", r"average (?:customer|client|buyer) value"
)

NEW_CUSTOMER_WORDS = word_pattern(
    rf"(?:brand[- ])?new {_CUSTOMER}",
    rf"{_CUSTOMER} (?:who |that )?(?:are|were|is|was) (?:brand[- ])?new",
    rf"first[- ]time {_CUSTOMER}",
    rf"{_CUSTOMER} (?:who|that) (?:bought|ordered|purchased) for the first time",
)
_NEW_VS_RETURNING = word_pattern(
    rf"(?:vs\.?|versus|and|or|against|compared (?:with|to)) (?:existing|returning|"
    rf"repeat|old) {_CUSTOMER}",
    rf"(?:existing|returning|repeat|old) {_CUSTOMER} (?:vs\.?|versus|and|or)",
    r"new (?:vs\.?|versus|and|or) (?:existing|returning|repeat)",
    r"first[- ]time (?:vs\.?|versus|and|or) (?:repeat|returning)",
)


_MONTHLY = word_pattern(
    r"monthly", r"each month", r"every month", r"per month", r"month by month"
)
_RETURNING = word_pattern(
    rf"returning {_CUSTOMER}", rf"{_CUSTOMER} (?:who|that) returned"
)
_REPEATED = word_pattern(
    r"repeat\w*", r"more than once", r"twice", r"again", r"rate", r"ratio",
    r"more than (?:one|1)",
)  # fmt: skip


#: The Customers view's RFM segments, by name or as a whole.
_RFM = word_pattern(
    r"rfm(?: segments?| scores?| analysis)?",
    rf"{_CUSTOMER} segment(?:s|ation)",
    r"(?:customers? )?at[- ]risk(?: customers?)?",
    r"champions?",
    r"can'?t lose them",
    r"hibernating(?: customers?)?",
    r"needs? attention",
)
#: The Customers view's cohort retention.
_RETENTION = word_pattern(
    rf"(?:{_CUSTOMER} )?retention(?: rates?)?",
    r"(?:customer )?cohorts?(?: retention| analysis)?",
    rf"{_CUSTOMER}\s+(?:\w+\s+){{0,4}}came back",
)


_NAMES_ASKED = re.compile(r"\b(?:which|list|names?|show me (?:the|all))\b")


def read_customer_ask(scan: str) -> tuple[str, str | None, bool]:
    """("per_customer" | "new_customers" | "spend" | None) asked in ``scan``, with the
    words that ask it blanked, and whether the question says "spend" (revenue);
    "spend" is customers spending without an average ("how much did customers
    spend"): their revenue."""
    for kind, pattern in (("rfm_segments", _RFM), ("retention", _RETENTION)):
        if pattern.search(scan):
            if _NAMES_ASKED.search(scan):
                kind += " list"  # "which customers came back": names, not counts
            for match in list(pattern.finditer(scan)):
                scan = blank_out(scan, match.start(), match.end())
            return scan, kind, False
    new = NEW_CUSTOMER_WORDS.search(scan) or _NEW_VS_RETURNING.search(scan)
    if new is not None:
        for pattern in (_NEW_VS_RETURNING, NEW_CUSTOMER_WORDS):
            for match in list(pattern.finditer(scan)):
                scan = blank_out(scan, match.start(), match.end())
        return scan, "new_customers", False
    per = _PER_CUSTOMER.search(scan) or _AVERAGE_CUSTOMER.search(scan)
    each = _EACH_CUSTOMER.search(scan) or _CUSTOMERS_SPEND.search(scan)
    average = AVERAGE_WORDS.search(scan)
    if per is None and not (each is not None and average is not None):
        spent = _CUSTOMERS_SPEND.search(scan)
        if spent is None:
            return scan, None, False
        # "how much did customers spend": what customers spend is revenue, not cost
        verb = _SPEND.search(scan, spent.start())
        return blank_out(scan, verb.start(), verb.end()), "spend", True
    if _LISTED.search(scan) and average is None:
        return scan, None, False  # "revenue by customer", "list revenue per customer"
    spend = _SPEND.search(scan) is not None
    for pattern in (_AVERAGE_CUSTOMER, _PER_CUSTOMER, _EACH_CUSTOMER, AVERAGE_WORDS):
        for match in list(pattern.finditer(scan)):
            scan = blank_out(scan, match.start(), match.end())
    for match in list(_CUSTOMER_VERBS.finditer(scan)):
        scan = blank_out(scan, match.start(), match.end())
    return scan, "per_customer", spend


def settle(intent: Intent, ask: str | None, ctx: DataContext, scan: str) -> Intent:
    """The intent of a question that names days of the week or asks about customers
    on average or new customers (see the module docstring); what such a question asks
    that these answers cannot give becomes a gap, never a different answer."""
    if intent.kind in ("out_of_scope", "help", "unknown_sku"):
        return intent
    if (
        intent.kind == "repeat_customers"
        and intent.periods
        and _RETURNING.search(scan)
        and not _REPEATED.search(scan)
    ):
        # "returning customers in 2017": bought in 2017 after buying before (the
        # Customers view's returning), not two orders within 2017
        ask = "new_customers"
    if ask == "spend":
        # "how much did customers spend in 2017": their revenue, not a list of them
        ask = None
        if intent.dimension == CUSTOMER and not _LISTED.search(scan):
            intent = replace(intent, kind="total", dimension=None)
    gaps: list[Gap] = []
    days = intent.weekdays
    if ask is not None:
        kind = ask.removesuffix(" list")
        if days:
            gaps.append(
                Gap(
                    days_words(days),
                    "I give totals for named days of the week, not customer figures "
                    "for them.",
                )
            )
        counts = kind in ("new_customers", "retention", "rfm_segments")
        if not ctx.has_customer:
            gaps.append(
                Gap(
                    "customers",
                    "Your data has no customer column, so I can't tell one customer "
                    "from another.",
                )
            )
        elif counts and not ctx.has_dates:
            gaps.append(
                Gap(
                    "customers",
                    "Your data has no dates, so I can't tell who is new, who came back "
                    "or how recently a customer bought.",
                )
            )
        allowed = (REVENUE, CUSTOMERS) if counts else (REVENUE, ORDERS)
        if intent.metric_given and intent.metric not in allowed:
            label = METRIC_LABELS.get(intent.metric, intent.metric).lower()
            gaps.append(
                Gap(
                    label,
                    "For these customer figures I give customers and revenue, "
                    f"not {label}."
                    if counts
                    else f"Per customer I give revenue and orders, not {label}.",
                )
            )
        dimension = intent.dimension
        if ask == "new_customers" and _MONTHLY.search(scan):
            dimension = "month"  # "monthly new customers"
        if dimension not in (None, CUSTOMER) and not (
            ask == "new_customers" and dimension == "month"
        ):
            singular = dimension_words(dimension)[0]
            gaps.append(
                Gap(
                    singular,
                    f"I give this for one selection at a time, not split by {singular}; "
                    f"ask about one {singular} (for example “... in ...”).",
                )
            )
        if ask.endswith(" list"):
            ask = kind = ask.removesuffix(" list")
            gaps.append(
                Gap(
                    "which customers",
                    "For retention and customer segments I give how many customers "
                    "and their revenue, not a list of them; ask “top customers” for one.",
                )
            )
        if len(intent.periods) > 1:
            gaps.append(Gap("periods", "Ask about one period at a time."))
        metric = REVENUE if intent.metric == CUSTOMERS else intent.metric
        return replace(
            intent,
            kind=kind,
            metric=metric,
            dimension=dimension if dimension == "month" else None,
            gaps=(*intent.gaps, *gaps),
        )
    if not days:
        return intent
    if ctx.sampling != "day":
        gaps.append(
            Gap(
                days_words(days),
                f"Your data has one date per {ctx.sampling}, so it can't tell the days "
                "of the week apart.",
            )
        )
    ranks = TOP_WORDS.search(scan) or BOTTOM_WORDS.search(scan)
    if (
        intent.kind == "ranking"
        and intent.dimension in ("day", "weekday")
        or (ranks and intent.dimension in (None, "day", "weekday"))
    ):
        # "Is Monday our strongest day?": every day of the week, ranked
        return replace(
            intent,
            kind="ranking",
            dimension="weekday",
            n=7,
            weekdays=(),
            gaps=(*intent.gaps, *gaps),
        )
    if intent.metric == CUSTOMERS:
        gaps.append(
            Gap(
                "customers",
                "A customer can buy on several days, so customers of each day don't add "
                "up; I can't count customers for named days of the week.",
            )
        )
    if (
        intent.kind not in ("total", "overview", "compare", "weekday_total")
        or intent.dimension not in (None, "day", "weekday")
        or len(intent.periods) > 1
        or intent.share
    ):
        gaps.append(
            Gap(
                days_words(days),
                "For named days of the week I give the total, how many such days your "
                "data covers and the average per day (“revenue on Mondays in 2017”), "
                "not rankings, breakdowns, trends or comparisons of periods.",
            )
        )
    return replace(
        intent, kind="weekday_total", dimension=None, gaps=(*intent.gaps, *gaps)
    )
