"""A small made-up shop to try the dashboard with: one year of daily orders, seeded.

The table looks like a shop system's order-lines export (one row per product in an
order) so it goes through the same ingestion as an uploaded file. It is fictional and
always the same for the same seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Seed of the demo shop: the same seed always gives the same rows.
DEMO_SEED = 2025
#: File name the demo session is shown under.
DEMO_FILENAME = "demo-shop-sales.csv"
DEMO_YEAR = 2025

#: (category, products, typical unit price, cost share of the price, how often it sells)
_CATALOGUE: tuple[tuple[str, tuple[str, ...], float, float, float], ...] = (
    (
        "Coffee",
        (
            "House blend 250 g",
            "Single origin Ethiopia 250 g",
            "Espresso roast 1 kg",
            "Decaf 250 g",
            "Cold brew pack",
            "Colombia 500 g",
            "Sampler box",
            "Kenya AA 250 g",
        ),
        14.0,
        0.55,
        3.0,
    ),
    (
        "Tea",
        (
            "Earl grey 100 g",
            "Sencha 100 g",
            "Chai mix 200 g",
            "Rooibos 100 g",
            "Matcha tin 30 g",
            "Herbal sampler",
        ),
        9.0,
        0.45,
        1.5,
    ),
    (
        "Equipment",
        (
            "Pour-over dripper",
            "Burr grinder",
            "Gooseneck kettle",
            "French press 1 l",
            "Milk frother",
            "Espresso machine",
            "Scale with timer",
        ),
        65.0,
        0.7,
        0.25,
    ),
    (
        "Accessories",
        (
            "Paper filters x100",
            "Ceramic mug",
            "Travel tumbler",
            "Cleaning tablets",
            "Storage canister",
            "Gift card holder",
        ),
        11.0,
        0.5,
        1.0,
    ),
)
PRODUCT_COUNT = sum(len(entry[1]) for entry in _CATALOGUE)
CATEGORY_COUNT = len(_CATALOGUE)
REGIONS = ("North", "South", "East", "West")
CHANNELS = ("Online shop", "Marketplace", "Shop counter")


def demo_shop(seed: int = DEMO_SEED) -> pd.DataFrame:
    """One year of a small coffee shop's order lines, generated from ``seed``.

    Returns
    -------
    Columns ``Order ID``, ``Order Date`` (YYYY-MM-DD), ``Customer ID``, ``Region``,
    ``Channel``, ``SKU``, ``Product``, ``Category``, ``Quantity``, ``Unit Price``,
    ``Revenue`` (quantity × unit price), ``Cost``. Orders come every day of
    ``DEMO_YEAR`` with more on weekends and in December and a slow growth; some
    customers come back; about 1 % of lines are refunds (negative quantity); one
    product sells below cost and a few sell rarely.
    """
    rng = np.random.default_rng(seed)
    skus, products, categories, prices, cost_shares, demand = [], [], [], [], [], []
    for c, (category, names, price, cost_share, sells) in enumerate(_CATALOGUE):
        for p, name in enumerate(names):
            skus.append(f"{category[:3].upper()}-{c + 1}{p + 1:02d}")
            products.append(name)
            categories.append(category)
            prices.append(round(price * float(rng.lognormal(0.0, 0.4)), 2) - 0.01)
            cost_shares.append(cost_share)
            demand.append(sells)
    prices_arr = np.round(np.maximum(np.array(prices), 2.99), 2)
    cost_arr = np.array(cost_shares)
    cost_arr[products.index("Milk frother")] = 1.08  # sold below cost
    popularity = np.array(demand) * rng.lognormal(0.0, 0.7, len(skus))
    for rare in ("Espresso machine", "Gift card holder", "Kenya AA 250 g"):
        popularity[products.index(rare)] = 0.004
    popularity /= popularity.sum()

    days = pd.date_range(f"{DEMO_YEAR}-01-01", f"{DEMO_YEAR}-12-31", freq="D")
    growth = np.linspace(1.0, 1.35, len(days))
    weekend = np.where(days.day_of_week >= 5, 1.4, 1.0)
    december = np.where(days.month == 12, 1.6, 1.0)
    orders_per_day = rng.poisson(7.0 * growth * weekend * december)
    order_days = np.repeat(np.arange(len(days)), orders_per_day)
    orders = order_days.size
    lines_per_order = 1 + rng.binomial(3, 0.3, orders)
    line_order = np.repeat(np.arange(orders), lines_per_order)
    lines = line_order.size

    customer_pool = 900
    customer = np.where(
        rng.random(orders) < 0.45,
        rng.integers(1, 120, orders),  # regulars
        rng.integers(120, customer_pool, orders),
    )
    region = rng.choice(len(REGIONS), orders, p=[0.35, 0.25, 0.2, 0.2])
    channel = rng.choice(len(CHANNELS), orders, p=[0.55, 0.25, 0.2])
    sku = rng.choice(len(skus), lines, p=popularity)
    quantity = 1 + rng.binomial(3, 0.25, lines)
    refund = rng.random(lines) < 0.01
    quantity = np.where(refund, -quantity, quantity)
    unit_price = prices_arr[sku]
    revenue = np.round(quantity * unit_price, 2)
    cost = np.round(revenue * cost_arr[sku], 2)

    order_ids = np.array(
        [f"SO-{DEMO_YEAR % 100:02d}{i + 1:05d}" for i in range(orders)]
    )
    frame = pd.DataFrame(
        {
            "Order ID": order_ids[line_order],
            "Order Date": days[order_days[line_order]].strftime("%Y-%m-%d"),
            "Customer ID": [f"C{c:04d}" for c in customer[line_order]],
            "Region": np.array(REGIONS)[region[line_order]],
            "Channel": np.array(CHANNELS)[channel[line_order]],
            "SKU": np.array(skus)[sku],
            "Product": np.array(products)[sku],
            "Category": np.array(categories)[sku],
            "Quantity": quantity,
            "Unit Price": unit_price,
            "Revenue": revenue,
            "Cost": cost,
        }
    )
    # one line per product and order, as shop systems export them
    return frame.drop_duplicates(["Order ID", "SKU"]).reset_index(drop=True)


def demo_csv(seed: int = DEMO_SEED) -> bytes:
    """:func:`demo_shop` as the UTF-8 CSV file a shop system would export."""
    return demo_shop(seed).to_csv(index=False).encode("utf-8")
