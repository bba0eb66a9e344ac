"""Words and phrases the parser recognises, as compiled patterns."""

from __future__ import annotations

import re

from analytics.chat.common import AOV, AOV_ORDER, AVG_PRICE, ORDERS
from analytics.schema import (
    CATEGORY,
    COST,
    CUSTOMER,
    PROFIT,
    QUANTITY,
    REVENUE,
    SKU,
)


def word_pattern(*words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b")


OUT_OF_SCOPE: dict[str, re.Pattern[str]] = {
    "the weather": word_pattern(
        r"weather", r"rain\w*", r"temperatures?", r"snow\w*", r"climate"
    ),
    "competitors": word_pattern(
        r"competitors?", r"competition", r"rivals?", r"market share"
    ),
    "employees": word_pattern(
        r"employees?",
        r"staff",
        r"salar(?:y|ies)",
        r"payroll",
        r"headcount",
        r"workers?",
        r"hiring",
        r"hr",
    ),
    "stock prices": word_pattern(
        r"stock price", r"share price", r"stock market", r"shares"
    ),
    "marketing": word_pattern(
        r"marketing",
        r"advertis\w*",
        r"ads",
        r"campaigns?",
        r"social media",
        r"instagram",
        r"facebook",
        r"tiktok",
        r"seo",
    ),
    "website traffic": word_pattern(
        r"website", r"web traffic", r"visitors?", r"clicks?"
    ),
    "customer reviews": word_pattern(r"reviews?", r"ratings?", r"satisfaction", r"nps"),
    "inventory levels": word_pattern(
        r"inventory", r"stock levels?", r"warehouse", r"in stock"
    ),
    "taxes": word_pattern(r"tax(?:es)?", r"vat"),
}
FORECAST_WORDS = word_pattern(
    r"forecasts?",
    r"forecasting",
    r"predict\w*",
    r"projections?",
    r"project(?:ed)?",
    r"outlook",
    r"expect(?:ed)?",
    r"will be",
    r"future",
    r"going to be",
)
RANK_WORDS = word_pattern(r"rank\w*", r"scores?", r"scored", r"scoring")
IMPROVE_WORDS = word_pattern(
    r"improve",
    r"improving",
    r"increase",
    r"boost",
    r"raise",
    r"grow",
    r"better",
    r"higher",
    r"maximi[sz]e",
    r"optimi[sz]e",
    r"how can i",
    r"how do i",
    r"what can i",
    r"how to",
    r"ways? to",
)
MARGIN_WORDS = word_pattern(
    r"profit margins?", r"margins?", r"profitability", r"profitable"
)
UNDER_WORDS = word_pattern(
    r"underperform\w*",
    r"under-perform\w*",
    r"poor(?:ly)?",
    r"weak\w*",
    r"lagging",
    r"lose",
    r"loses",
    r"lost money",
    r"struggl\w*",
    r"losing",
    r"loss(?:es)?",
    r"loss-making",
    r"unprofitable",
    r"declin\w*",
    r"drag\w*",
    r"problems?",
    r"worst",
    r"bad",
    r"not selling",
)
COMPARE_WORDS = word_pattern(
    r"compare[sd]?",
    r"comparison",
    r"comparing",
    r"vs\.?",
    r"versus",
    r"against",
    r"difference",
    r"relative to",
)
TOP_WORDS = word_pattern(
    r"top",
    r"best",
    r"highest",
    r"most",
    r"biggest",
    r"largest",
    r"leading",
    r"best-selling",
    r"best selling",
    r"strongest",
)
BOTTOM_WORDS = word_pattern(
    r"bottom", r"worst", r"lowest", r"least", r"fewest", r"smallest", r"weakest"
)
TREND_WORDS = word_pattern(
    r"trends?",
    r"trending",
    r"over time",
    r"growing",
    r"growth",
    r"evolv\w*",
    r"direction",
    r"month by month",
    r"monthly",
    r"doing",
    r"going",
    r"performance",
    r"perform\w*",
    r"changed?",
    r"changing",
    r"momentum",
)
BREAKDOWN_WORDS = word_pattern(
    r"breakdown",
    r"break down",
    r"split",
    r"mix",
    r"share",
    r"by category",
    r"per category",
    r"by product",
    r"per product",
    r"by customer",
    r"by sku",
    r"each category",
    r"each product",
)
TOTAL_WORDS = word_pattern(
    r"what was",
    r"what were",
    r"what is",
    r"what's",
    r"how much",
    r"how many",
    r"total",
    r"sum",
    r"amount",
    r"figure",
)
OVERVIEW_WORDS = word_pattern(
    r"summary",
    r"summari[sz]e",
    r"overview",
    r"kpis?",
    r"key figures",
    r"headline",
    r"how is my business",
    r"how are we doing",
    r"big picture",
    r"snapshot",
)
HELP_WORDS = word_pattern(
    r"help",
    r"what can you do",
    r"what can i ask",
    r"what questions",
    r"examples?",
)
WHY_WORDS = word_pattern(r"why")
HOW_MANY_WORDS = word_pattern(r"how many", r"number of", r"count of", r"count")
FOLLOW_UP = re.compile(
    r"^\s*(?:and|what about|how about|same for|same|now|also|then|ok|okay|and what about)\b"
)

METRIC_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("margin", MARGIN_WORDS),
    (
        PROFIT,
        word_pattern(
            r"profits?", r"earnings", r"net income", r"made money", r"make money"
        ),
    ),
    (COST, word_pattern(r"costs?", r"cogs", r"expenses?", r"spend(?:ing)?", r"spent")),
    (
        AVG_PRICE,
        word_pattern(
            r"(?:average |avg |mean |typical )?prices? per (?:unit|item|piece)",
            r"(?:average |avg |mean |typical )?(?:unit|selling|sale|sales|item) prices?",
            r"(?:average |avg |mean |typical )prices?",
            r"(?:revenue|sales) per (?:unit|item|piece)",
            r"unitprices?",
        ),
    ),
    (QUANTITY, word_pattern(r"units?", r"quantit(?:y|ies)", r"volume", r"pieces")),
    (
        AOV_ORDER,
        word_pattern(
            r"average (?:order|basket|ticket|invoice)(?: value| size| amount)?",
            r"aov",
            r"basket size",
            r"order value",
            r"(?:revenue|sales|spend) per order",
        ),
    ),
    (
        AOV,
        word_pattern(
            r"average (?:sale|transaction|line)(?: value| size| amount)?",
            r"(?:revenue|sales) per (?:transaction|line)",
        ),
    ),
    (
        "transactions",
        word_pattern(
            r"transactions?", r"order lines", r"invoice lines", r"lines? items?"
        ),
    ),
    (ORDERS, word_pattern(r"orders?", r"invoices?", r"baskets?", r"purchases")),
    (
        "customers",
        word_pattern(
            r"(?:the )?(?:most|least|fewest|highest number of|lowest number of|more|fewer) "
            r"(?:customers|clients|buyers)"
        ),
    ),
    (
        REVENUE,
        word_pattern(
            r"revenues?", r"sales", r"turnover", r"income", r"sold", r"selling"
        ),
    ),
)
DIMENSION_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (SKU, word_pattern(r"products?", r"skus?", r"items?", r"articles?", r"lines?")),
    (
        CATEGORY,
        word_pattern(r"categor(?:y|ies)", r"segments?", r"departments?", r"groups?"),
    ),
    (CUSTOMER, word_pattern(r"customers?", r"clients?", r"buyers?", r"accounts?")),
    ("month", word_pattern(r"months?")),
    ("quarter", word_pattern(r"quarters?")),
    ("week", word_pattern(r"weeks?")),
    ("year", word_pattern(r"years?")),
    ("day", word_pattern(r"days?", r"dates?")),
)
#: Dimensions that are periods of time (rankings of periods use ``metrics.timeseries``).


N_RE = re.compile(
    r"\b(?:top|bottom|best|worst|highest|lowest|first|biggest|largest|smallest|leading)"
    r"\s+(\d{1,3})\b|\b(\d{1,3})\s+(?:best|worst|top|bottom|biggest|largest|smallest|"
    r"highest|lowest|products?|skus?|items?|categor(?:y|ies)|customers?)\b"
)
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "twenty": 20,
}  # fmt: skip
N_WORD_RE = re.compile(
    r"\b(?:top|bottom|best|worst|highest|lowest)\s+(" + "|".join(NUMBER_WORDS) + r")\b"
)
SKU_HINT = re.compile(
    r"\b(?:sku|product|item|article)\s*(?:id|code|number|no\.?|#)?\s*[:#]?\s*"
    r"[\"'`‘’“”]?([A-Za-z0-9][\w\-./]{1,40})",
    re.I,
)
TOKEN_RE = re.compile(r"[A-Za-z0-9][\w\-./]*[A-Za-z0-9]|[A-Za-z0-9]")
UNIT_MONTHS = {"month": 1, "quarter": 3, "year": 12}


#: Words that are also common names of categories or products; such names are recognised
#: only when the question writes them as the data does (capitalised "Other").
COMMON_WORDS = frozenset(
    """a an and any all are as at be best by can do for from general good have home how
    i in is it its last main me misc miscellaneous more most my new next no none not of
    office old on or other others our sale sales same show so some than that the their
    them then there these this to top total up was we what when which who why will with
    you your""".split()
)


def normalise_question(text: str) -> str:
    table = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
    return " ".join(text.translate(table).split())


def blank_out(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


#: "What share of revenue comes from ...": a total with its share of the whole.
SHARE_WORDS = word_pattern(
    r"share",
    r"percent(?:age)?",
    r"proportion",
    r"fraction",
    r"what part",
    r"how much of",
)
#: Calendar patterns across years: month of the year, day of the week.
MONTH_OF_YEAR_WORDS = word_pattern(
    r"months? of (?:the|a) year",
    r"calendar months?",
    r"seasonal\w*",
    r"(?:usually|typically|normally|generally|on average|tends? to be)",
)
WEEKDAY_WORDS = word_pattern(
    r"weekdays?",
    r"days? of (?:the|a) week",
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?",
)
#: Customers who come back.
REPEAT_WORDS = word_pattern(
    r"(?:repeat|returning)(?: customers?| buyers?| clients?| purchases?| purchase| "
    r"orders?| order| business)? (?:rate|ratio|share|percentage)",
    r"(?:rate|share|percentage|proportion) of (?:repeat|returning) "
    r"(?:customers?|buyers?|clients?|purchases?|orders?)",
    r"repeat(?:ed)? (?:customers?|buyers?|clients?|purchases?|orders?)",
    r"returning (?:customers?|buyers?|clients?)",
    r"(?:ordered|bought|purchased|came back|shopped)\s+(?:\w+\s+)?(?:more than once|again|twice|repeatedly)",
    r"(?:placed|made|had|with|placing|making) more than (?:one|1) orders?",
    r"more than (?:one|1) orders?",
    r"(?:loyal|recurring) (?:customers?|clients?)",
)

#: Everyday words for a measure and a direction, read as the words they stand for:
#: "busiest" is "most" orders (lines without an order id), "quietest" the least;
#: "popular" is units sold (orders, then lines, without a quantity). The parser puts
#: "most"/"least" in their place and names the measure it chose in a note.
BUSY_SUPERLATIVE = word_pattern(r"busiest", r"busier")
QUIET_SUPERLATIVE = word_pattern(r"quietest", r"quieter", r"least busy")
BUSY_WORDS = word_pattern(r"busy")
POPULAR_WORDS = word_pattern(r"popular", r"popularity")
#: "popular" after these words keeps them ("least popular", "how popular").
POPULAR_LEAD = re.compile(r"\b(?:most|least|more|less|how|top|bottom)\s+$")
#: A change between periods: "how much did revenue grow in 2024", "growth from 2023
#: to 2024" (the period against the one before it, or the two periods named).
GROWTH_WORDS = word_pattern(r"grow", r"grows", r"grew", r"grown", r"growth", r"growing")
#: Asking how to grow, not how much it grew.
HOW_TO_WORDS = word_pattern(
    r"how (?:can|could|do|should|would) (?:i|we)",
    r"how to",
    r"ways? to",
    r"what can (?:i|we)",
)
