"""Which column plays which role: scored from header words and the values' profile.

Every column gets a :class:`ColumnProfile` from a spread sample of its values (how many
read as numbers or dates, integers, percentages, codes, distinct values, …). Each
(column, role) pair is scored from the header (synonyms in English and common European
languages, with stronger scores for specific phrases such as ``Unit Price`` than for
generic words such as ``Price``) and gated by the values (a revenue column must hold
amounts, a date column dates). Words that mark a column as something else (CPI,
temperature, fuel price, unemployment, postcode, year, id, rate, discount, store…)
exclude it from money roles, and so do rates (:func:`is_ratio`: margin, markup, rate,
ratio, %, share headers, or fractions under a profit/discount/tax header). Headers of
legacy programs (``stcmtlig``) are read without a prefix shared by every column and with
abbreviations spelled out. Roles are then assigned greedily, best score first, one
column per role. When no header names revenue, the one plausible amount column is used
with a low confidence (e.g. Prophet's ``ds``/``y``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from analytics.ingest.budget import check_time
from analytics.ingest.parsing import (
    clean_text,
    looks_like_dates,
    parse_dates,
    parse_numbers,
    spread_sample,
)
from analytics.metrics.periods import MONTH_WORDS_PATTERN
from analytics.schema import (
    CATEGORY,
    COST,
    CUSTOMER,
    DATE,
    ORDER,
    PROFIT,
    QUANTITY,
    REVENUE,
    ROLE_LABELS,
    ROLES,
    SKU,
    UNIT_PRICE,
)

SAMPLE_ROWS = 3000
#: Name scores of order-id headers that need the values' confirmation.
_GENERIC_ORDER = 0.7
_ORDER_NAME = 0.6
MIN_CONFIDENCE = 0.35
#: Header score from which the header wins over values that look like ids or years.
STRONG_NAME = 0.8
NUMERIC_ROLES = (REVENUE, COST, PROFIT, QUANTITY, UNIT_PRICE)
TEXT_ROLES = (SKU, CATEGORY, CUSTOMER, ORDER)

# (pattern on the normalised header, score). Patterns match whole words.
SYNONYMS: dict[str, tuple[tuple[str, float], ...]] = {
    DATE: (
        (
            r"(order|invoice|transaction|txn|sale|sales|purchase|posting|booking|document|billing) ?date",
            1.0,
        ),
        (r"date|datum|fecha|data|date de vente|ds", 0.9),
        (
            r"week ?ending|week ?end|week ?start|week|month|period|periode|periodo|day|day of|tag|monat",
            0.7,
        ),
        (r"timestamp|datetime|date ?time|created( at)?|time ?stamp|zeitpunkt", 0.75),
        (r".*\bdate\b.*|.*\bdatum\b.*", 0.6),
    ),
    REVENUE: (
        (
            r"net (sales|revenue|amount|turnover|value|total)|revenue net|sales net"
            r"|(order|invoice|sale|payment|transaction|item|line) net( amount| total| value)?",
            1.0,
        ),
        (r"net", 0.88),
        (
            r"(total |weekly |daily |monthly |product |item |merchandise |goods )?(sales|revenue|revenues|turnover)( amount| value| total| usd| eur| gbp)?",
            0.92,
        ),
        (
            r"(line|item|lineitem|line item) ?(total|amount|value|net|subtotal)( amount)?|extended (amount|price|total)",
            0.93,
        ),
        (
            r"(order|invoice|sale|sales|transaction|grand|net) ?(total|amount|value)( amount)?|total amount|total ht|montant ht|montant|montant ligne|montant ligne ht|nettobetrag|netto|importo|valor|valor total",
            0.9,
        ),
        (
            r"amount|total|net|income|takings|receipts|gmv|sales value|extended price|ext price|total price|price total|line amount",
            0.8,
        ),
        (
            r"umsatz|umsatze|erlos|erlose|ventas|venta|ingresos|importe|betrag|chiffre d affaires|ca|omzet|fatturato|vendas|receita|bedrag",
            0.85,
        ),
        (
            r"(chiffre d affaires|ca|umsatz|umsatze|erlose?|ventas|fatturato|omzet) "
            r"(ht|net|netto|neto|hors taxes)|nettoumsatz|nettoerlose?|umsatz netto",
            0.9,
        ),
        (
            r"(chiffre d affaires|ca|umsatz|umsatze|erlose?|ventas|fatturato|omzet) "
            r"(ttc|brut|brutto|bruto)|bruttoumsatz",
            0.8,
        ),
        (r"gross|gross (sales|revenue|amount|total)|sales gross|revenue gross", 0.75),
        (r"(dollar|dollars|usd|euro|euros|eur|gbp|pound) (value|amount)", 0.8),
        (
            r"value|sum|price paid|amount paid|paid|payment|subtotal|sub total|montant ttc|total ttc|brutto|bruttobetrag|credit|credits|deposit|deposits|money in|paid in",
            0.55,
        ),
        (r"(.* )?(total|amount)( .*)?", 0.5),
        (
            r".*\b(sales|revenue|turnover|umsatz|umsatze|erlose?|ventas|chiffre d affaires|fatturato|omzet)\b.*",
            0.6,
        ),
    ),
    COST: (
        (
            r"cogs|cost of goods( sold)?|cost of sales|cost of revenue|total cost|costs|cost",
            0.95,
        ),
        (
            r"(product|line|item|order|purchase|landed) cost|costs? (amount|value|total)",
            0.9,
        ),
        (
            r"kosten|wareneinsatz|einkauf|coste|costo|costos|costes|cout|couts|kost|custo",
            0.85,
        ),
        (
            r"expense|expenses|spend|debit|debits|withdrawal|withdrawals|money out|paid out",
            0.6,
        ),
        (r".*\bcosts?\b.*", 0.5),
    ),
    PROFIT: (
        (
            r"(net |gross |operating )?(profit|profits)( amount)?|margin amount|gross margin|earnings",
            0.95,
        ),
        (r"gewinn|beneficio|ganancia|benefice|marge|winst|utile|lucro|rohertrag", 0.85),
        (r"margin|net income", 0.6),
        (r".*\bprofit\b.*", 0.55),
    ),
    SKU: (
        (
            r"sku|sku id|sku code|stock ?code|product ?(id|code|number|no|sku|ref)|(line ?)?item ?(id|code|number|no|sku)|lineitem sku|article ?(id|code|number|no)?|part ?(number|no|id)|upc|ean|gtin|barcode|asin|artikel ?(nr|nummer)?|artikelnummer|referencia|ref|reference|model|model number|variant ?id|style ?(code|number)|codigo|codigo producto|cod articulo|code article|code produit|inventory ?item ?code",
            0.95,
        ),
        (
            r"product|item|produkt|producto|produit|article name|articulo|prodotto|product service|designation",
            0.75,
        ),
        (r".*\bsku\b.*", 0.85),
        (
            r"(product|item|lineitem) ?(name|title|description)|description|bezeichnung|descripcion",
            0.55,
        ),
        (r".*\b(product|item|lineitem|produit|article|artikel|producto)\b.*", 0.5),
        (r"title|name", 0.4),
    ),
    QUANTITY: (
        (
            r"quantity|qty|units|units sold|unit sold|quantity sold|qty sold|no of units|number of units|pieces|pcs|menge|anzahl|stuck|cantidad|quantite|aantal|quantita|quantidade|volume"
            r"|items sold|number of items|no of items|items ordered|item count|(quantity|qty) ordered|ordered (quantity|qty)",
            0.95,
        ),
        (
            r"(number|no|num) of (cds|books|bottles|copies|tickets|products|pieces|boxes|cases|packs)",
            0.95,
        ),
        (r"count|items|number of items|no of items|unit count", 0.6),
        (r".*\b(qty|quantity|units)\b.*", 0.55),
    ),
    UNIT_PRICE: (
        (
            r"unit ?price|price ?per ?unit|price ?each|rate|unit rate|unit ?selling ?price|sale price|selling price|sales price|unit ?price .*|retail price|list price|msrp|rrp|einzelpreis|stuckpreis|precio unitario|prix unitaire|prezzo unitario|unit ?amount|lineitem price|item price",
            0.95,
        ),
        (r"price|preis|precio|prix|prezzo|preco|prijs|rate per unit", 0.8),
        (r".*\bprice\b.*", 0.55),
    ),
    CATEGORY: (
        (
            r"category|product category|item category|categories|kategorie|warengruppe|categoria|categorie|product ?(group|line|type|family|class)",
            0.95,
        ),
        (
            r"segment|department|dept|division|group|class|family|line|collection|genre|sub ?category",
            0.65,
        ),
        (r"brand|vendor|supplier|channel|type", 0.45),
    ),
    CUSTOMER: (
        (
            r"customer|customer ?(id|no|number|code|name|ref)|client|client ?(id|name|no)|buyer|kunde|kunden ?(nr|nummer|name)?|cliente|klant|account ?(id|name|number)?|member ?(id)?|bill ?to|sold ?to|ship ?to ?name|purchaser|company|company name|customerid|code client|client code",
            0.95,
        ),
        (
            r"contact ?(name|id)?|billing ?name|(customer|buyer|payer|from|sender|billing) ?email( address)?|buyer ?name",
            0.7,
        ),
        (r"email|e mail|shopper|consumer|user ?(id)?|patient|guest", 0.55),
    ),
    ORDER: (
        (
            r"order ?(id|no|number|name|ref|reference|key|code)?|(sales )?order ?no|"
            r"invoice ?(id|no|number|ref|reference)?|receipt ?(id|no|number)|"
            r"document ?(no|number)|belegnr|beleg nr|belegnummer|bestellnummer|"
            r"bestellung|bestell ?nr|numero de commande|n commande|commande|"
            r"no commande|numero de facture|n facture|facture|pedido|numero pedido|"
            r"rechnungsnummer|rechnung ?nr|ticket ?(id|no|number)",
            0.95,
        ),
        # generic keys: an order only when several lines share one value (checked below)
        (
            r"transaction ?(id|no|number|ref|reference)?|txn ?(id|no)?|sale ?(id|no)|"
            r"checkout ?(id|token)|basket ?id|cart ?id",
            _GENERIC_ORDER,
        ),
        # Shopify names orders "#1001" in a column called Name
        (r"name", _ORDER_NAME),
    ),
}
_COMPILED = {
    role: tuple((re.compile(rf"^(?:{pattern})$"), score) for pattern, score in entries)
    for role, entries in SYNONYMS.items()
}

#: Words that mark a column as not a money amount (nor quantity / price).
NOT_MONEY = re.compile(
    r"\b(cpi|temperature|temp|fuel|unemployment|postcode|postal|zip|zipcode|plz|year|years|"
    r"yr|id|ids|no|nr|number|num|code|rate|rates|discount|discounts|disc|tax rate|percent|pct|"
    r"percentage|store|stores|shop|branch|holiday|flag|lat|latitude|lon|lng|longitude|age|"
    r"tax|vat|phone|tel|month|week|day|quarter|index|rank|score|rating|ratio|share|weight|size|"
    r"height|width|length|distance|km|miles|mpg|duration|hours|minutes|seconds|version|"
    r"markdown|band|manufacturing|wholesale|purchase price|cost price|population|"
    r"employees|headcount|visits|views|clicks|sessions|impressions|inventory|stock level|"
    r"on hand|reorder|balance|running|cumulative|opening|closing|ytd|mtd|qtd|year to date|"
    r"refund|refunds|refunded|erstattet|erstattung|rembourse|remboursé|reembolsado|"
    r"vat|gst|hst|mwst|mw st|ust|u st|tva|iva|btw|steuer|umsatzsteuer|mehrwertsteuer)\b"
)
#: Words that make a column an identifier of something other than a product.
NOT_PRODUCT = re.compile(
    r"\b(order|invoice|transaction|txn|receipt|customer|client|row|line|store|shop|"
    r"employee|user|account|ship|shipping|country|city|state|region|postal|zip|"
    r"supplier|vendor|tracking|payment|batch|serial|location|vintage|millesime|jahrgang|uom|"
    r"unite vente|unit of measure|"
    r"year)\b"
)
NOT_CUSTOMER = re.compile(
    r"\b(segment|type|group|country|city|state|region|since|count|postal|zip)\b"
)
_DATE_WORDS = re.compile(
    r"\b(date|datum|fecha|day|time|timestamp|period|week|month|ds|created)\b"
)
_LESS_PREFERRED_DATE = re.compile(
    r"\b(ship|shipping|shipped|delivery|delivered|due|dispatch|birth|dob|modified|updated|last|expiry|expiration|paid|payment|close|closed|end)\b"
)
_GROSS = re.compile(r"\b(gross|brutto\w*|brut|ttc)\b")
_TAXES = r"(vat|tax|taxes|gst|hst|mwst|ust|tva|iva|btw|sales tax)"
#: "ex VAT", "incl. tax", "hors taxes": say whether tax is in, not what the column is.
_TAX_QUALIFIER = re.compile(
    rf"\b(ex|excl|excluding|exkl|zzgl|hors|before|pre|net of|w o|without|"
    rf"incl|including|inc|inkl|with|after|plus) {_TAXES}\b"
)
_TAX_INCLUDED = re.compile(rf"\b(incl|including|inc|inkl|with|plus) {_TAXES}\b")


def money_words(norm: str) -> str:
    """A normalised header without tax qualifiers: ``net ex vat`` → ``net``."""
    if " " not in norm:
        return norm
    return " ".join(_TAX_QUALIFIER.sub(" ", norm).split()) or norm


_NET = re.compile(r"\bnet\b")
#: Headers where "rate" means the price of one unit (invoices: Qty × Rate = Amount).
_PRICE_RATES = frozenset({"rate", "unit rate", "rate per unit", "rate each"})
#: Words that make a column a count of units, not money (``Sales Units``).
_COUNT_WORDS = re.compile(
    r"\b(units|qty|quantity|pcs|pieces)\b|\bitems (sold|count|ordered)\b|"
    r"^(total |number of |no of )?items$"
)
_PERSONAL = re.compile(
    r"\b(name|first name|last name|surname|email|e mail|phone|mobile|address|street|city|zip|postcode|postal)\b"
)


#: Header words of a rate, ratio or share (never a money amount).
_RATIO_WORDS = re.compile(
    r"\b(margin|margins|markup|mark up|rate|rates|ratio|ratios|percent|percentage|pct|"
    r"share|marge|aufschlag|quote|anteil|taux|tasa|porcentaje|tasso|percentuale)\b"
)
#: Header words that say a column holds money even though it names a margin.
_AMOUNT_WORDS = re.compile(
    r"\b(amount|amt|value|sum|dollars?|euros?|betrag|montant|importe|importo|"
    r"usd|eur|gbp|cad|aud|chf|jpy|nzd|sek|nok|dkk|pln|inr|"
    r"nc|gc|sc|pc|currency|ccy)\b"
)
#: Headers whose fraction-valued columns are rates (profit margin, discount, tax,
#: commission), whatever else the header says.
_RATE_SUBJECT = re.compile(
    r"\b(profit|margin|markup|discount|disc|tax|vat|gst|commission|"
    r"gewinn|rabatt|remise|descuento|beneficio|marge)\b"
)
_MARKUP = re.compile(r"\b(markup|mark up|aufschlag)\b")
_MARGIN = re.compile(r"\b(margin|margins|marge|profit|gewinn|beneficio)\b")
#: A header that names a percentage (``Margin %``, ``margin_pct``).
_PERCENT_HEADER = re.compile(r"\b(percent|percentage|pct)\b")


def is_ratio(p: ColumnProfile) -> bool:
    """Whether a numeric column holds rates or ratios rather than money.

    A header saying margin, markup, rate, ratio, %, pct, percent or share (without
    ``amount``/``value``), percentages written with ``%``, or fractions within −1..1
    under a header naming a profit, margin, discount, tax or commission. A ``Gross
    Margin`` whose values reach past ±100 cannot be a rate and stays money.
    """
    if p.present == 0 or p.number_share < 0.8:
        return False
    if p.percent:
        return True
    if _AMOUNT_WORDS.search(p.norm):
        # "Markup (NC)", "Commission USD": money in a currency, however small
        return False
    fractions = p.max_abs <= 1.0 and p.integer_share < 1.0
    if fractions and _RATE_SUBJECT.search(p.norm):
        return True
    if not _RATIO_WORDS.search(p.norm):
        return False
    if _MARGIN.search(p.norm) and not _PERCENT_HEADER.search(p.norm):
        return p.max_abs <= 100.0
    return True


def ratio_scale(p: ColumnProfile) -> float | None:
    """Factor turning a ratio column's numbers into fractions (1 or 0.01); None when
    the values cannot be a ratio of that kind (a "margin" of 250)."""
    if p.percent or (p.max_abs <= 1.0 and not _PERCENT_HEADER.search(p.norm)):
        return 1.0
    limit = 1000.0 if _MARKUP.search(p.norm) else 100.0
    if (
        _MARKUP.search(p.norm)
        and p.max_abs <= 5.0
        and not _PERCENT_HEADER.search(p.norm)
    ):
        return 1.0
    if p.max_abs <= limit:
        return 0.01
    return None


def profit_ratio(
    profiles: list[ColumnProfile], mapping: dict[str, str | None]
) -> dict[str, object] | None:
    """The margin or markup column to derive profit from, when the file has neither a
    profit nor a cost amount: ``{"column", "kind" ("margin"/"markup"), "scale"}``.

    Only a column whose header names a margin, markup or profit and whose values read
    as a ratio; none when several such columns compete (a doubtful profit is worse than
    none).
    """
    if mapping.get(PROFIT) or mapping.get(COST):
        return None
    used = {c for c in mapping.values() if c}
    found = []
    for p in profiles:
        if p.name in used or not is_ratio(p):
            continue
        if _AMOUNT_WORDS.search(p.norm):
            continue
        kind = (
            "markup"
            if _MARKUP.search(p.norm)
            else "margin"
            if _MARGIN.search(p.norm)
            else None
        )
        scale = ratio_scale(p) if kind else None
        if kind and scale is not None:
            found.append({"column": p.name, "kind": kind, "scale": scale})
    return found[0] if len(found) == 1 else None


def normalise_header(name: str) -> str:
    """Lower-case words of a header: ``UnitPrice`` → ``unit price``, ``Weekly_Sales`` → ``weekly sales``."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", str(name))
    text = text.lower()
    text = (
        text.replace("ä", "a")
        .replace("ö", "o")
        .replace("ü", "u")
        .replace("ß", "ss")
        .replace("é", "e")
        .replace("è", "e")
        .replace("ê", "e")
        .replace("á", "a")
        .replace("í", "i")
        .replace("ó", "o")
        .replace("ú", "u")
        .replace("ñ", "n")
        .replace("ç", "c")
        .replace("#", " no ")
        .replace("%", " percent ")
    )
    text = re.sub(r"\(.*?\)|\[.*?\]", lambda m: " " + m.group(0)[1:-1] + " ", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


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
        allow = bool(_DATE_WORDS.search(norm))
        dates = parse_dates(sample, allow_serial=allow)
        date_share = (
            dates.valid / max(count, 1) if (allow or dates.format == "%Y%m%d") else 0.0
        )
        order = dates.order
    elif looks_like_dates(text[present].head(300)) >= 0.5:
        dates = parse_dates(sample)
        date_share, order = dates.valid / max(count, 1), dates.order
    elif (
        _DATE_WORDS.search(norm)
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


def name_score(norm: str, role: str) -> float:
    """How strongly a normalised header names ``role`` (0 when it does not)."""
    best = 0.0
    for pattern, score in _COMPILED[role]:
        if score > best and pattern.match(norm):
            best = score
    return best


def _is_date(p: ColumnProfile) -> bool:
    return p.is_datetime or p.date_share >= 0.6


def _is_amount(p: ColumnProfile) -> bool:
    return (
        p.present > 0
        and p.number_share >= 0.8
        and p.date_share < 0.6
        and not p.is_datetime
    )


def score(p: ColumnProfile, role: str) -> float:
    """Score in 0..1 that column ``p`` plays ``role``."""
    s = name_score(p.norm, role)
    if role == DATE:
        if not _is_date(p):
            return 0.0
        if s == 0.0:
            s = 0.5 if p.date_share >= 0.9 else 0.0
        if _LESS_PREFERRED_DATE.search(p.norm):
            s -= 0.25
        return max(s, 0.0) * (0.6 + 0.4 * min(p.date_share, 1.0))
    if role in NUMERIC_ROLES:
        core = money_words(p.norm)
        if core != p.norm:
            s = max(s, name_score(core, role))
        if s == 0.0 or not _is_amount(p) or p.leading_zero:
            return 0.0
        if is_ratio(p) and not (role == UNIT_PRICE and p.norm in _PRICE_RATES):
            return 0.0
        excluded = NOT_MONEY.search(core)
        if role == UNIT_PRICE and p.norm in _PRICE_RATES:
            excluded = None
        if excluded and s < 0.95:
            return 0.0
        if excluded and role != QUANTITY and excluded.group(0) not in ("no", "number"):
            return 0.0
        if role != QUANTITY and s < 0.95 and _COUNT_WORDS.search(p.norm):
            return 0.0
        if p.percent:
            return 0.0
        lookalike = (
            p.sequential
            or (p.year_like and role != QUANTITY)
            or (role in (REVENUE, COST, PROFIT) and p.binary)
        )
        if lookalike:
            # values that look like row ids, years or flags: only a header that names
            # the role keeps the column, ranked below any other candidate
            if s < STRONG_NAME or excluded:
                return 0.0
            s *= 0.6
        if role == REVENUE and (_GROSS.search(p.norm) or _TAX_INCLUDED.search(p.norm)):
            s -= 0.1
        if role == QUANTITY:
            s *= 0.7 + 0.3 * p.integer_share
        if role in (REVENUE, COST, UNIT_PRICE) and p.negative_share > 0.5:
            s *= 0.7
        return s * (0.7 + 0.3 * p.number_share)
    if p.present == 0:
        return 0.0
    if s > 0.0:
        # a column filled on only some rows (order fields on an order's first line)
        s *= 0.5 + 0.5 * p.filled
    if role == SKU:
        if s == 0.0 or NOT_PRODUCT.search(p.norm) or _is_date(p):
            return 0.0
        if p.number_share >= 0.9 and p.integer_share < 1.0:
            return 0.0
        if name_score(p.norm, SKU) < 0.7 and p.present >= 20 and p.distinct_ratio > 0.9:
            # a different description on every row (order notes), not products
            return 0.0
        # codes beat names: a code-like column gets a bonus, a description a penalty
        return s + 0.05 * p.code_share - 0.1 * p.space_share * (1 if s < 0.95 else 0)
    if role == CATEGORY:
        if s == 0.0 or _is_date(p) or (p.number_share >= 0.9 and not p.leading_zero):
            return 0.0
        if p.distinct < 2 and p.present >= 10 and name_score(p.norm, CATEGORY) < 0.9:
            return 0.0
        if p.distinct_ratio > 0.5 and p.distinct > 50:
            s *= 0.5
        return s
    if role == CUSTOMER:
        if s == 0.0 or _is_date(p) or NOT_CUSTOMER.search(p.norm):
            return 0.0
        if p.number_share >= 0.9 and p.integer_share < 1.0:
            return 0.0
        return s + 0.02 * p.code_share
    if role == ORDER:
        return _order_score(p, s)
    return 0.0


def _order_score(p: ColumnProfile, s: float) -> float:
    """An order / invoice id: text or whole numbers; a generic transaction key only
    when lines repeat it (otherwise each line is its own transaction, not an order)."""
    if s == 0.0 or _is_date(p) or p.binary:
        return 0.0
    if p.number_share >= 0.9 and p.integer_share < 1.0:
        return 0.0
    named = name_score(p.norm, ORDER)
    if named <= _GENERIC_ORDER and p.distinct_ratio >= 0.98:
        return 0.0
    if named == _ORDER_NAME and (
        p.space_share > 0.05 or p.mean_length > 12 or p.number_share > 0.5
    ):
        return 0.0
    return s


@dataclass
class Detection:
    """Detected mapping, per-role confidence, and sentences explaining choices."""

    mapping: dict[str, str | None]
    confidence: dict[str, float]
    assumptions: list[str] = field(default_factory=list)


def detect_roles(profiles: list[ColumnProfile]) -> Detection:
    """Assign roles to columns from their profiles (see the module docstring)."""
    pairs = []
    for p in profiles:
        for role in ROLES:
            s = score(p, role)
            if s >= MIN_CONFIDENCE:
                pairs.append((round(s, 6), -p.position, role, p))
    pairs.sort(key=lambda t: (t[0], t[1]), reverse=True)
    mapping: dict[str, str | None] = {role: None for role in ROLES}
    confidence: dict[str, float] = {}
    used: set[str] = set()
    for s, _, role, p in pairs:
        if mapping[role] is None and p.name not in used:
            mapping[role] = p.name
            confidence[role] = round(min(s, 1.0), 3)
            used.add(p.name)
    assumptions: list[str] = []
    by_name = {p.name: p for p in profiles}
    if mapping[DATE] is None:
        fallback = [
            p
            for p in profiles
            if p.name not in used and _is_date(p) and p.date_share >= 0.8
        ]
        if fallback:
            p = max(fallback, key=lambda q: (q.date_share, -q.position))
            mapping[DATE] = p.name
            confidence[DATE] = 0.4
            used.add(p.name)
            assumptions.append(
                f"Used '{p.name}' as the date: it is the column that holds dates."
            )
    if mapping[REVENUE] is None and not (mapping[QUANTITY] and mapping[UNIT_PRICE]):
        expenses = any(
            _EXPENSE_LABEL.match(p.norm) and p.number_share < 0.5 for p in profiles
        )
        fallback = [
            p
            for p in profiles
            if not expenses
            and p.name not in used
            and _is_amount(p)
            and not NOT_MONEY.search(p.norm)
            and not (
                p.percent or p.sequential or p.year_like or p.binary or p.leading_zero
            )
            and not is_ratio(p)
            and not _MONTH_HEADER.match(p.norm)
            and p.distinct > 2
        ]
        if fallback:
            p = max(fallback, key=lambda q: q.mean_abs)
            mapping[REVENUE] = p.name
            confidence[REVENUE] = 0.5 if len(fallback) == 1 else 0.3
            used.add(p.name)
            why = (
                "it is the only amount column"
                if len(fallback) == 1
                else "it holds the largest amounts"
            )
            assumptions.append(
                f"No column is named like revenue; used '{p.name}' as revenue because {why}."
            )
    _prefer_line_amounts(mapping, confidence, by_name, assumptions)
    spelled = [
        f"'{name}' as {by_name[name].norm} ({role_label(role)})"
        for role, name in mapping.items()
        if name and by_name[name].norm != normalise_header(name)
    ]
    if spelled:
        assumptions.append("Read abbreviated headers: " + "; ".join(spelled) + ".")
    revenue = mapping[REVENUE]
    if revenue:
        others = [
            p.name
            for p in profiles
            if p.name != revenue
            and name_score(money_words(p.norm), REVENUE) >= 0.75
            and _is_amount(p)
            and not NOT_MONEY.search(money_words(p.norm))
        ]
        gross = [
            n
            for n in others
            if _GROSS.search(by_name[n].norm) or _TAX_INCLUDED.search(by_name[n].norm)
        ]
        taxed = [n for n in gross if _TAX_INCLUDED.search(by_name[n].norm)]
        if taxed:
            assumptions.append(
                f"Used '{revenue}' as revenue rather than '{taxed[0]}' (without tax, not "
                "the total including it)."
            )
        elif gross:
            assumptions.append(
                f"Used '{revenue}' as revenue rather than '{gross[0]}' (the net amount "
                "after discounts, returns or fees, not gross)."
            )
        elif others and _NET.search(by_name[revenue].norm):
            assumptions.append(
                f"Used '{revenue}' as revenue rather than '{others[0]}' (the net amount, "
                "after fees, discounts or refunds)."
            )
        elif others:
            assumptions.append(
                f"Used '{revenue}' as revenue; '{others[0]}' also looks like an amount."
            )
    return Detection(mapping, confidence, assumptions)


#: Revenue filled on fewer rows than this share, while quantity and unit price are
#: filled on nearly every row, is an order-level amount (on each order's first line).
_SPARSE_REVENUE = 0.8


def _prefer_line_amounts(
    mapping: dict[str, str | None],
    confidence: dict[str, float],
    by_name: dict[str, ColumnProfile],
    assumptions: list[str],
) -> None:
    """Use quantity × unit price when the revenue column holds order totals on some lines.

    Shop exports with one row per line item (Shopify, many carts) write order fields such
    as ``Total`` on the first line of each order only; taking that column would set every
    other line aside and lose its product.
    """
    revenue, quantity, price = mapping[REVENUE], mapping[QUANTITY], mapping[UNIT_PRICE]
    if not (revenue and quantity and price):
        return
    rev, qty, unit = by_name[revenue], by_name[quantity], by_name[price]
    if rev.filled >= _SPARSE_REVENUE or min(qty.filled, unit.filled) < 0.95:
        return
    mapping[REVENUE] = None
    confidence.pop(REVENUE, None)
    assumptions.append(
        f"Revenue is {quantity} × {price}: '{revenue}' is filled on only "
        f"{rev.filled:.0%} of the rows (an order amount on the first line of each "
        "order), so every line's own amount is used."
    )


def profit_from_ratio(
    ratio: pd.Series, revenue: pd.Series, spec: dict[str, object]
) -> tuple[pd.Series, pd.Series, str]:
    """``(cost, profit, sentence)`` per line from a margin or markup ``ratio`` column
    (parsed numbers) and each line's revenue (see :func:`profit_ratio`).

    Margin: profit = revenue × margin. Markup (on cost): cost = revenue / (1 + markup),
    profit = revenue − cost.
    """
    rate = ratio * float(spec["scale"])  # type: ignore[arg-type]
    name = spec["column"]
    scaled = " (read as percentages)" if spec["scale"] != 1.0 else ""
    if spec["kind"] == "markup":
        cost = revenue / (1.0 + rate)
        profit = revenue - cost
        sentence = (
            f"Profit = Sales − Sales / (1 + {name}), per line: '{name}' is a markup on "
            f"cost{scaled}, and the file has no profit or cost amount."
        )
    else:
        profit = revenue * rate
        cost = revenue - profit
        sentence = (
            f"Profit = Sales × {name}, per line: '{name}' is a margin (a ratio, not an "
            f"amount){scaled}, and the file has no profit or cost amount."
        )
    return cost, profit, sentence


#: A label column headed like this lists expenses: its numbers are costs, never sales.
_EXPENSE_LABEL = re.compile(
    r"^(?:operating |operation |operational |business |monthly )?"
    r"(?:expenses|expense|costs|overheads|expenditure|expenditures)$"
)
#: A header that is just a month name: one period's amounts, never the table's revenue.
_MONTH_HEADER = re.compile(rf"^(?:{MONTH_WORDS_PATTERN})$")


def describe_non_sales(profiles: list[ColumnProfile]) -> str:
    """Explain (for an error message) what a file without dates or amounts seems to be."""
    if any(_EXPENSE_LABEL.match(p.norm) and p.number_share < 0.5 for p in profiles):
        return "the sheet lists expenses (costs), not sales"
    personal = sum(bool(_PERSONAL.search(p.norm)) for p in profiles)
    productish = sum(
        bool(name_score(p.norm, SKU) or name_score(p.norm, UNIT_PRICE))
        for p in profiles
    )
    if personal >= 2:
        return "the file seems to be a customer or contact list"
    counts = [p.name for p in profiles if name_score(p.norm, QUANTITY) >= STRONG_NAME]
    if counts and not any(name_score(p.norm, UNIT_PRICE) for p in profiles):
        return (
            f"it has quantities ('{counts[0]}') but no amounts or prices, so revenue "
            "cannot be worked out"
        )
    if productish >= 1:
        return "the file seems to be a product list or price list"
    return "the file does not look like sales data"


def role_label(role: str) -> str:
    """Human label of a role for messages."""
    return ROLE_LABELS.get(role, role)
