"""Benchmark data: a realistic transactions table of any size, generated (never committed)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def transactions(
    rows: int = 300_000, skus: int = 5_000, seed: int = 42
) -> pd.DataFrame:
    """Columns: date, sku, category, quantity, unit_price, revenue, cost (~44 bytes/row as CSV)."""
    rng = np.random.default_rng(seed)
    sku_ids = rng.zipf(1.3, rows) % skus
    categories = np.array(
        ["Apparel", "Electronics", "Home", "Garden", "Toys", "Food", "Office", "Sports"]
    )
    quantity = rng.integers(1, 12, rows)
    base_price = np.round(2 + (np.arange(skus) * 7919 % 400) / 4, 2)
    unit_price = base_price[sku_ids]
    revenue = np.round(quantity * unit_price, 2)
    cost = np.round(revenue * (0.45 + 0.4 * rng.random(rows)), 2)
    dates = pd.Timestamp("2022-01-01") + pd.to_timedelta(
        rng.integers(0, 3 * 365, rows), unit="D"
    )
    return pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "sku": np.char.add("SKU-", sku_ids.astype(str)),
            "category": categories[sku_ids % len(categories)],
            "quantity": quantity,
            "unit_price": unit_price,
            "revenue": revenue,
            "cost": cost,
        }
    )


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def messy_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The same rows as a European-style export: `;`, decimal commas, currency, day-first dates."""

    def euro(values: pd.Series) -> pd.Series:
        text = values.map("{:,.2f}".format)
        return (
            text.str.replace(",", " ", regex=False).str.replace(".", ",", regex=False)
            + " €"
        )

    messy = pd.DataFrame(
        {
            "Datum": pd.to_datetime(frame["date"]).dt.strftime("%d/%m/%Y"),
            "Artikel": frame["sku"],
            "Kategorie": frame["category"],
            "Menge": frame["quantity"],
            "Preis": euro(frame["unit_price"]),
            "Umsatz": euro(frame["revenue"]),
            "Kosten": euro(frame["cost"]),
        }
    )
    return messy.to_csv(index=False, sep=";").encode("utf-8")


def orders(rows: int = 300_000, seed: int = 7) -> pd.DataFrame:
    """A Superstore-like order-lines table: order and customer ids, dimensions (ship
    mode, segment, country, city, state, region, sub-category, channel), a discount
    ratio, sales, quantity and profit; about 3 lines per order."""
    rng = np.random.default_rng(seed)
    order_no = np.sort(rng.integers(0, rows // 3, rows))
    customers = order_no * 7919 % max(rows // 12, 1)
    states = np.array([f"State {i}" for i in range(49)])
    regions = np.array(["East", "West", "Central", "South"])
    cities = np.array([f"City {i}" for i in range(500)])
    subcats = np.array([f"Sub {i}" for i in range(17)])
    dates = pd.Timestamp("2021-01-01") + pd.to_timedelta(
        order_no * (4 * 365) // max(rows // 3, 1), unit="D"
    )
    state = rng.integers(0, len(states), rows)
    quantity = rng.integers(1, 10, rows)
    sales = np.round(quantity * rng.uniform(2, 300, rows), 2)
    discount = rng.choice([0.0, 0.1, 0.2, 0.3, 0.5], rows)
    return pd.DataFrame(
        {
            "Row ID": np.arange(1, rows + 1),
            "Order ID": np.char.add("CA-", order_no.astype(str)),
            "Order Date": dates.strftime("%m/%d/%Y"),
            "Ship Mode": rng.choice(
                ["Standard Class", "Second Class", "First Class"], rows
            ),
            "Customer ID": np.char.add("C-", customers.astype(str)),
            "Segment": rng.choice(["Consumer", "Corporate", "Home Office"], rows),
            "Country/Region": rng.choice(
                ["United States", "Canada"], rows, p=[0.8, 0.2]
            ),
            "City": cities[rng.integers(0, len(cities), rows)],
            "State/Province": states[state],
            "Region": regions[state % 4],
            "Product ID": np.char.add("P-", (rng.zipf(1.3, rows) % 2000).astype(str)),
            "Category": rng.choice(
                ["Furniture", "Office Supplies", "Technology"], rows
            ),
            "Sub-Category": subcats[rng.integers(0, len(subcats), rows)],
            "Channel": rng.choice(["Web", "Store", "Phone"], rows),
            "Sales": sales,
            "Quantity": quantity,
            "Discount": discount,
            "Profit": np.round(sales * rng.uniform(-0.3, 0.4, rows), 2),
        }
    )
