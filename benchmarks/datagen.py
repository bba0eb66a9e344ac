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
