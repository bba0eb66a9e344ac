"""Role detection: header words and synonyms, value profiles, exclusions, preferences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.ingest.profiles import profile_table
from analytics.ingest.role_words import normalise_header
from analytics.ingest.roles import detect_roles

ROWS = 40


def table(columns: dict[str, list]) -> pd.DataFrame:
    """A table as a CSV read gives it: every column text."""
    return pd.DataFrame(
        {
            k: pd.Series([None if v is None else str(v) for v in vals], dtype="str")
            for k, vals in columns.items()
        }
    )


def detect(columns: dict[str, list]):
    return detect_roles(profile_table(table(columns)))


rng = np.random.default_rng(1)
DATES = (
    pd.date_range("2024-01-01", periods=ROWS, freq="D").strftime("%Y-%m-%d").tolist()
)
AMOUNTS = [f"{v:.2f}" for v in rng.uniform(5, 900, ROWS)]
AMOUNTS2 = [f"{v:.2f}" for v in rng.uniform(5, 400, ROWS)]
QTY = rng.integers(1, 9, ROWS).tolist()
CODES = [f"SKU-{i % 7:03d}" for i in range(ROWS)]
NAMES = [f"Blue widget size {i % 7}" for i in range(ROWS)]
CATS = [["Tools", "Paint", "Garden"][i % 3] for i in range(ROWS)]


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("Sales", "revenue"), ("Amount", "revenue"), ("Net", "revenue"), ("Total", "revenue"),
        ("Turnover", "revenue"), ("Revenue", "revenue"), ("Net Sales", "revenue"),
        ("Weekly_Sales", "revenue"), ("Line Total", "revenue"), ("Umsatz", "revenue"),
        ("COGS", "cost"), ("Cost", "cost"), ("Cost of Goods Sold", "cost"), ("Kosten", "cost"),
        ("Profit", "profit"), ("Gross Margin", "profit"),
        ("Qty", "quantity"), ("Units", "quantity"), ("Quantity", "quantity"), ("Units Sold", "quantity"),
        ("Price", "unit_price"), ("UnitPrice", "unit_price"), ("Unit Price", "unit_price"),
        ("Sale Price", "unit_price"),
    ],
)  # fmt: skip
def test_numeric_synonyms(header, role):
    values = QTY if role == "quantity" else AMOUNTS
    detection = detect({"Date": DATES, header: values, "Other": CATS})
    assert detection.mapping[role] == header


@pytest.mark.parametrize(
    ("header", "role", "values"),
    [
        ("SKU", "sku", CODES), ("StockCode", "sku", CODES), ("Product ID", "sku", CODES),
        ("Item", "sku", NAMES), ("Product", "sku", NAMES), ("Item Code", "sku", CODES),
        ("Category", "category", CATS), ("Segment", "category", CATS),
        ("Customer", "customer", NAMES), ("CustomerID", "customer", QTY), ("Client", "customer", NAMES),
        ("Order Date", "date", DATES), ("InvoiceDate", "date", DATES), ("Datum", "date", DATES),
        ("ds", "date", DATES),
    ],
)  # fmt: skip
def test_text_and_date_synonyms(header, role, values):
    columns = {header: values, "Sales": AMOUNTS}
    if role != "date":
        columns["Day"] = DATES
    assert detect(columns).mapping[role] == header


@pytest.mark.parametrize(
    "header",
    ["CPI", "Temperature", "Fuel_Price", "Unemployment", "Postcode", "Year", "Row ID",
     "Discount", "Discount Rate", "Store", "Store Number", "Holiday_Flag", "Tax Rate"],
)  # fmt: skip
def test_lookalike_numbers_are_never_revenue(header):
    values = [str(2000 + i % 20) for i in range(ROWS)] if header == "Year" else AMOUNTS2
    detection = detect({"Date": DATES, header: values, "Weekly_Sales": AMOUNTS})
    assert detection.mapping["revenue"] == "Weekly_Sales"
    assert header not in detection.mapping.values()


@pytest.mark.parametrize(
    "header", ["CPI", "Temperature", "Fuel_Price", "Postcode", "Row ID", "Store"]
)
def test_lookalike_numbers_are_not_revenue_even_alone(header):
    detection = detect(
        {
            "Date": DATES,
            header: AMOUNTS if header != "Row ID" else list(range(1, ROWS + 1)),
        }
    )
    assert detection.mapping["revenue"] is None


def test_code_column_beats_name_column_for_sku():
    detection = detect(
        {"Product Name": NAMES, "Product ID": CODES, "Sales": AMOUNTS, "Date": DATES}
    )
    assert detection.mapping["sku"] == "Product ID"
    detection = detect(
        {"Description": NAMES, "StockCode": CODES, "Sales": AMOUNTS, "Date": DATES}
    )
    assert detection.mapping["sku"] == "StockCode"


def test_net_sales_preferred_over_gross_and_said():
    detection = detect({"Gross Sales": AMOUNTS, " Sales": AMOUNTS2, "Date": DATES})
    assert detection.mapping["revenue"] == " Sales"
    assert any("rather than 'Gross Sales'" in s for s in detection.assumptions)


def test_net_beats_plain_sales():
    detection = detect({"Sales": AMOUNTS, "Net Sales": AMOUNTS2, "Date": DATES})
    assert detection.mapping["revenue"] == "Net Sales"


def test_order_date_preferred_over_ship_date():
    detection = detect(
        {"Ship Date": DATES, "Order Date": DATES[::-1], "Sales": AMOUNTS}
    )
    assert detection.mapping["date"] == "Order Date"


def test_unnamed_amount_column_used_with_low_confidence():
    detection = detect({"ds": DATES, "y": AMOUNTS})
    assert detection.mapping == {
        **{r: None for r in detection.mapping},
        "date": "ds",
        "revenue": "y",
    }
    assert detection.confidence["revenue"] < 0.6
    assert any("used 'y' as revenue" in s for s in detection.assumptions)


def test_percentage_column_is_not_an_amount():
    detection = detect(
        {
            "Date": DATES,
            "Margin %": [f"{v:.1f}%" for v in rng.uniform(1, 40, ROWS)],
            "Sales": AMOUNTS,
        }
    )
    assert detection.mapping["profit"] is None


def test_confidence_is_between_zero_and_one():
    detection = detect({"Date": DATES, "Sales": AMOUNTS, "SKU": CODES, "Qty": QTY})
    assert all(0 < c <= 1 for c in detection.confidence.values())
    assert set(detection.confidence) == {r for r, c in detection.mapping.items() if c}


@pytest.mark.parametrize(
    ("raw", "norm"),
    [("UnitPrice", "unit price"), ("Weekly_Sales", "weekly sales"), (" Sales ", "sales"),
     ("CustomerID", "customer id"), ("Qty (units)", "qty units"), ("Umsatz (€)", "umsatz")],
)  # fmt: skip
def test_normalise_header(raw, norm):
    assert normalise_header(raw) == norm


def _export(columns: dict[str, str]) -> dict[str, list]:
    """Columns of a realistic export: kind names → generated values."""
    makers = {
        "money": lambda: [f"{v:.2f}" for v in rng.uniform(1, 500, ROWS)],
        "int": lambda: [str(v) for v in rng.integers(1, 5, ROWS)],
        "date": lambda: DATES,
        "stamp": lambda: (
            pd.date_range("2024-01-01", periods=ROWS, freq="13h")
            .strftime("%Y-%m-%d %H:%M:%S -0500")
            .tolist()
        ),
        "code": lambda: CODES,
        "name": lambda: NAMES,
        "cat": lambda: CATS,
        "id": lambda: [str(1000 + i) for i in range(ROWS)],
        "email": lambda: [f"x{i}@example.com" for i in range(ROWS)],
        "const": lambda: ["USD"] * ROWS,
    }
    return {header: makers[kind]() for header, kind in columns.items()}


EXPORTS = {
    "shopify": (
        {"Name": "id", "Email": "email", "Currency": "const", "Subtotal": "money", "Shipping": "money",
         "Taxes": "money", "Total": "money", "Discount Amount": "money", "Created at": "stamp",
         "Lineitem quantity": "int", "Lineitem name": "name", "Lineitem price": "money", "Lineitem sku": "code"},
        {"date": "Created at", "revenue": "Total", "sku": "Lineitem sku", "quantity": "Lineitem quantity",
         "unit_price": "Lineitem price", "customer": "Email"},
    ),
    "square": (
        {"Date": "date", "Category": "cat", "Item": "name", "Qty": "int", "SKU": "code", "Gross Sales": "money",
         "Discounts": "money", "Net Sales": "money", "Tax": "money", "Transaction ID": "id", "Customer ID": "code"},
        {"date": "Date", "revenue": "Net Sales", "sku": "SKU", "quantity": "Qty", "category": "Category",
         "customer": "Customer ID"},
    ),
    "etsy": (
        {"Sale Date": "date", "Item Name": "name", "Buyer": "name", "Quantity": "int", "Price": "money",
         "Discount Amount": "money", "Order Sales Tax": "money", "Item Total": "money", "Order ID": "id", "SKU": "code"},
        {"date": "Sale Date", "revenue": "Item Total", "sku": "SKU", "quantity": "Quantity", "unit_price": "Price",
         "customer": "Buyer", "order_id": "Order ID"},
    ),
    "xero": (
        {"ContactName": "name", "InvoiceNumber": "id", "InvoiceDate": "date", "DueDate": "date", "Total": "money",
         "InventoryItemCode": "code", "Description": "name", "Quantity": "int", "UnitAmount": "money", "TaxAmount": "money"},
        {"date": "InvoiceDate", "revenue": "Total", "sku": "InventoryItemCode", "quantity": "Quantity",
         "unit_price": "UnitAmount", "customer": "ContactName", "order_id": "InvoiceNumber"},
    ),
    "quickbooks": (
        {"Date": "date", "Num": "id", "Customer": "name", "Product/Service": "name", "Qty": "int",
         "Sales Price": "money", "Amount": "money", "Balance": "money"},
        {"date": "Date", "revenue": "Amount", "sku": "Product/Service", "quantity": "Qty", "unit_price": "Sales Price",
         "customer": "Customer"},
    ),
    "french": (
        {"Date de vente": "date", "Référence": "code", "Désignation": "name", "Quantité": "int",
         "Prix unitaire": "money", "Montant HT": "money", "TVA": "money", "Montant TTC": "money", "Client": "name"},
        {"date": "Date de vente", "revenue": "Montant HT", "sku": "Référence", "quantity": "Quantité",
         "unit_price": "Prix unitaire", "customer": "Client"},
    ),
    "spanish": (
        {"Fecha": "date", "Producto": "name", "Código": "code", "Cantidad": "int", "Precio": "money",
         "Importe": "money", "Coste": "money", "Cliente": "name"},
        {"date": "Fecha", "revenue": "Importe", "cost": "Coste", "sku": "Código", "quantity": "Cantidad",
         "unit_price": "Precio", "customer": "Cliente"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("export", list(EXPORTS), ids=list(EXPORTS))
def test_common_exports(export):
    columns, expected = EXPORTS[export]
    mapping = detect(_export(columns)).mapping
    assert {k: v for k, v in mapping.items() if v} == expected


@pytest.mark.parametrize(
    ("columns", "role", "expected"),
    [
        ({"Date": DATES, "Sales Units": QTY, "Sales Amount": AMOUNTS}, "revenue",
         "Sales Amount"),
        ({"Date": DATES, "Items Subtotal": AMOUNTS, "Total Items": QTY}, "revenue",
         "Items Subtotal"),
        ({"Date": DATES, "Qty": QTY, "Rate": AMOUNTS2, "Amount": AMOUNTS}, "unit_price",
         "Rate"),
        ({"Date": DATES, "Tax Rate": AMOUNTS2, "Amount": AMOUNTS}, "unit_price", None),
        ({"Date": DATES, "Line Amount": AMOUNTS, "Invoice Total": AMOUNTS2}, "revenue",
         "Line Amount"),
        ({"Date": DATES, "Amount": AMOUNTS2, "Net": AMOUNTS}, "revenue", "Net"),
        ({"Date": DATES, "VAT": AMOUNTS2, "Net (ex VAT)": AMOUNTS}, "revenue",
         "Net (ex VAT)"),
        ({"Date": DATES, "MwSt": AMOUNTS2, "Umsatzsteuer": AMOUNTS}, "revenue", None),
    ],
)  # fmt: skip
def test_amount_words_in_context(columns, role, expected):
    assert detect(columns).mapping[role] == expected


ORDERS_REPEATED = [f"ORD-{i // 3:04d}" for i in range(ROWS)]
UNIQUE_IDS = [f"TX{i:06d}" for i in range(ROWS)]


@pytest.mark.parametrize(
    ("header", "values", "expected"),
    [
        ("Order ID", ORDERS_REPEATED, "Order ID"),
        ("Order Number", UNIQUE_IDS, "Order Number"),
        ("InvoiceNo", [str(536365 + i // 2) for i in range(ROWS)], "InvoiceNo"),
        ("Invoice", ORDERS_REPEATED, "Invoice"),
        ("Name", [f"#{1001 + i // 2}" for i in range(ROWS)], "Name"),
        # a transaction id repeated across lines groups them into orders ...
        ("Transaction ID", ORDERS_REPEATED, "Transaction ID"),
        # ... but one id per line is each line's own key, not an order
        ("Transaction ID", UNIQUE_IDS, None),
        # customer names are not order names
        ("Name", [f"Ann Smith {i}" for i in range(ROWS)], None),
    ],
)
def test_order_id_role(header, values, expected):
    mapping = detect(
        {"Date": DATES, "Amount": AMOUNTS, "SKU": CODES, header: values}
    ).mapping
    assert mapping["order_id"] == expected
    assert mapping["revenue"] == "Amount"
