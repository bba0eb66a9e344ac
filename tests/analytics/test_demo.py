"""The demo shop: a realistic, seeded year of order lines."""

from __future__ import annotations

import pandas as pd
from pandas.testing import assert_frame_equal

from analytics.demo import CATEGORY_COUNT, DEMO_YEAR, PRODUCT_COUNT, demo_csv, demo_shop

COLUMNS = [
    "Order ID", "Order Date", "Customer ID", "Region", "Channel", "SKU", "Product",
    "Category", "Quantity", "Unit Price", "Revenue", "Cost",
]  # fmt: skip


def test_the_same_seed_gives_the_same_shop():
    assert_frame_equal(demo_shop(), demo_shop())
    assert demo_csv() == demo_csv()
    assert not demo_shop(1).equals(demo_shop(2))


def test_a_year_of_daily_orders_with_the_columns_of_an_export():
    shop = demo_shop()
    assert shop.columns.tolist() == COLUMNS
    days = pd.to_datetime(shop["Order Date"])
    assert set(days.dt.year) == {DEMO_YEAR}
    assert days.dt.normalize().nunique() == 365  # an order every day
    orders_per_day = shop.groupby("Order Date")["Order ID"].nunique()
    assert 2 <= orders_per_day.median() <= 20
    assert shop["Category"].nunique() == CATEGORY_COUNT >= 3
    assert shop["SKU"].nunique() <= PRODUCT_COUNT
    assert shop["Region"].nunique() >= 3 and shop["Channel"].nunique() >= 2
    assert shop["Customer ID"].nunique() < shop["Order ID"].nunique()  # repeat buyers
    assert not shop.duplicated(["Order ID", "SKU"]).any()


def test_lines_add_up_and_carry_refunds_a_loss_maker_and_rare_products():
    shop = demo_shop()
    assert (
        (shop["Quantity"] * shop["Unit Price"]).round(2) - shop["Revenue"]
    ).abs().max() < 0.005
    assert (shop["Quantity"] < 0).any() and (shop["Quantity"] < 0).mean() < 0.03
    profit = (shop["Revenue"] - shop["Cost"]).groupby(shop["SKU"]).sum()
    assert (profit < 0).any() and (profit > 0).sum() > len(profit) // 2
    assert (shop.groupby("SKU").size() < 3).any()
