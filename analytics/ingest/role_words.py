"""Header words of each column role: synonyms with their scores, and words that mark a
column as something else (see :mod:`analytics.ingest.roles`). Headers are compared in the
form :func:`normalise_header` gives them."""

from __future__ import annotations

import re

from analytics.schema import (
    CATEGORY,
    COST,
    CUSTOMER,
    DATE,
    ORDER,
    PROFIT,
    QUANTITY,
    REVENUE,
    SKU,
    UNIT_PRICE,
)

#: Name scores of order-id headers that need the values' confirmation.
GENERIC_ORDER = 0.7
#: Name score of Shopify's order column, "Name" (confirmed by the values).
ORDER_NAME = 0.6

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
            GENERIC_ORDER,
        ),
        # Shopify names orders "#1001" in a column called Name
        (r"name", ORDER_NAME),
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
#: Header words of a date column.
DATE_WORDS = re.compile(
    r"\b(date|datum|fecha|day|time|timestamp|period|week|month|ds|created)\b"
)
#: Dates of something other than the sale (shipping, due, birth …): a date column's last resort.
LESS_PREFERRED_DATE = re.compile(
    r"\b(ship|shipping|shipped|delivery|delivered|due|dispatch|birth|dob|modified|updated|last|expiry|expiration|paid|payment|close|closed|end)\b"
)
#: Header words of an amount before deductions (gross, brutto, TTC).
GROSS = re.compile(r"\b(gross|brutto\w*|brut|ttc)\b")
_TAXES = r"(vat|tax|taxes|gst|hst|mwst|ust|tva|iva|btw|sales tax)"
#: "ex VAT", "incl. tax", "hors taxes": say whether tax is in, not what the column is.
_TAX_QUALIFIER = re.compile(
    rf"\b(ex|excl|excluding|exkl|zzgl|hors|before|pre|net of|w o|without|"
    rf"incl|including|inc|inkl|with|after|plus) {_TAXES}\b"
)
#: "incl. VAT", "with tax": the amount includes tax.
TAX_INCLUDED = re.compile(rf"\b(incl|including|inc|inkl|with|plus) {_TAXES}\b")


def money_words(norm: str) -> str:
    """A normalised header without tax qualifiers: ``net ex vat`` → ``net``."""
    if " " not in norm:
        return norm
    return " ".join(_TAX_QUALIFIER.sub(" ", norm).split()) or norm


#: The word "net" in a header.
NET = re.compile(r"\bnet\b")
#: Headers where "rate" means the price of one unit (invoices: Qty × Rate = Amount).
PRICE_RATES = frozenset({"rate", "unit rate", "rate per unit", "rate each"})
#: Words that make a column a count of units, not money (``Sales Units``).
COUNT_WORDS = re.compile(
    r"\b(units|qty|quantity|pcs|pieces)\b|\bitems (sold|count|ordered)\b|"
    r"^(total |number of |no of )?items$"
)
#: Header words of personal details (names, contact, address).
PERSONAL = re.compile(
    r"\b(name|first name|last name|surname|email|e mail|phone|mobile|address|street|city|zip|postcode|postal)\b"
)


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


def name_score(norm: str, role: str) -> float:
    """How strongly a normalised header names ``role`` (0 when it does not)."""
    best = 0.0
    for pattern, score in _COMPILED[role]:
        if score > best and pattern.match(norm):
            best = score
    return best
