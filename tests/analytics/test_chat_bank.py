"""The chat never answers a different question: a bank of questions over real files and
generated shops whose dimension columns carry other names.

Frames are built here with plain pandas the way ingestion builds them (canonical columns,
plus each dimension column as a categorical named after its header, the order id, and
unmapped measure columns), together with the dataset model the session passes to the
chat. Every expected figure is computed here independently with plain pandas.

Each answer is classed as *right* (it states the expected figure), *refused* (it says
what cannot be answered and gives no figure) or *wrong* (it states figures, but not the
one asked for: an answer to a different question). The bank must have no wrong answer,
at least 90 % right among the answerable questions, and every refusal must name what
is missing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analytics.chat import ChatAnswer, answer
from analytics.schema import conform_canonical

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"
REAL = DATA_DIR.exists()

# --------------------------------------------------------------------------- frames


def _with_dimensions(
    base: dict[str, Any],
    dims: dict[str, pd.Series],
    measures: dict[str, tuple[pd.Series, str]],
    roles: dict[str, str],
    order: pd.Series | None = None,
    dropped: tuple[str, ...] = (),
    order_name: str = "Order ID",
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Canonical frame + dimension/measure columns, and the dataset model's list."""
    frame = conform_canonical(pd.DataFrame(base))
    model: list[dict[str, Any]] = []
    kinds = {"date": "date", "sku": "identifier", "customer": "identifier",
             "category": "dimension"}  # fmt: skip
    for header, role in roles.items():
        kind = kinds.get(role, "measure")
        model.append({"name": header, "kind": kind, "role": role, "field": role})
    for header, values in dims.items():
        frame[header] = pd.Categorical(values.astype("str").to_numpy())
        model.append({"name": header, "kind": "dimension", "field": header})
    for header, (values, unit) in measures.items():
        frame[header] = pd.to_numeric(values, errors="coerce").to_numpy()
        aggregation = {"money": "sum", "count": "sum", "ratio": "weighted_mean"}
        model.append(
            {"name": header, "kind": "measure", "unit": unit, "field": header,
             "aggregation": aggregation.get(unit, "mean")}
        )  # fmt: skip
    if order is not None:
        frame["order_id"] = order.astype("str").to_numpy()
        model.append(
            {"name": order_name, "kind": "identifier", "role": "order_id",
             "field": "order_id"}
        )  # fmt: skip
    for header in dropped:
        model.append({"name": header, "kind": "text", "field": None})
    return frame, model


@functools.cache
def dataset(name: str) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    if name == "superstore":
        raw = pd.read_csv(DATA_DIR / "superstore_classic_cp1252.csv", encoding="cp1252")
        base = {
            "date": pd.to_datetime(raw["Order Date"], format="%m/%d/%Y"),
            "revenue": raw["Sales"],
            "cost": raw["Sales"] - raw["Profit"],
            "profit": raw["Profit"],
            "quantity": raw["Quantity"],
            "sku": raw["Product ID"],
            "category": raw["Category"],
            "customer": raw["Customer ID"],
        }
        dims = {
            c: raw[c]
            for c in ("Ship Mode", "Segment", "Country", "City", "State", "Region",
                      "Sub-Category")
        }  # fmt: skip
        roles = {"Order Date": "date", "Sales": "revenue", "Profit": "profit",
                 "Quantity": "quantity", "Product ID": "sku", "Category": "category",
                 "Customer ID": "customer"}  # fmt: skip
        return _with_dimensions(
            base, dims, {"Discount": (raw["Discount"], "ratio")}, roles,
            order=raw["Order ID"], dropped=("Customer Name", "Product Name", "Ship Date"),
        )  # fmt: skip
    if name == "online_retail":
        raw = pd.read_csv(
            DATA_DIR / "online_retail_uci_sample.csv",
            dtype={"StockCode": "str", "InvoiceNo": "str"},
        )
        base = {
            "date": pd.to_datetime(raw["InvoiceDate"], format="%m/%d/%Y %H:%M"),
            "revenue": raw["Quantity"] * raw["UnitPrice"],
            "quantity": raw["Quantity"],
            "unit_price": raw["UnitPrice"],
            "sku": raw["StockCode"],
            # lines without a CustomerID have no customer (as ingestion leaves them)
            "customer": raw["CustomerID"]
            .astype("Int64")
            .astype("str")
            .where(raw["CustomerID"].notna()),
        }
        roles = {"InvoiceDate": "date", "Quantity": "quantity",
                 "UnitPrice": "unit_price", "StockCode": "sku",
                 "CustomerID": "customer"}  # fmt: skip
        return _with_dimensions(
            base, {"Country": raw["Country"]}, {}, roles, order=raw["InvoiceNo"],
            dropped=("Description",),
        )  # fmt: skip
    if name == "walmart":
        raw = pd.read_csv(DATA_DIR / "walmart_weekly_45stores.csv")
        base = {
            "date": pd.to_datetime(raw["Date"], format="%d/%m/%y"),
            "revenue": raw["Weekly_Sales"],
        }
        measures = {c: (raw[c], "number") for c in ("Temperature", "Fuel_Price", "CPI")}
        return _with_dimensions(
            base, {"Store": raw["Store"]}, measures,
            {"Date": "date", "Weekly_Sales": "revenue"},
        )  # fmt: skip
    if name == "financial":
        raw = pd.read_excel(DATA_DIR / "ms_financial_sample.xlsx", engine="openpyxl")
        base = {
            "date": raw["Date"],
            "revenue": raw[" Sales"],
            "cost": raw["COGS"],
            "profit": raw["Profit"],
            "quantity": raw["Units Sold"],
            "sku": raw["Product"].str.strip(),
        }
        dims = {c: raw[c].astype("str").str.strip()
                for c in ("Segment", "Country", "Discount Band")}  # fmt: skip
        measures = {"Gross Sales": (raw["Gross Sales"], "money"),
                    "Discounts": (raw["Discounts"], "money")}  # fmt: skip
        roles = {"Date": "date", " Sales": "revenue", "COGS": "cost",
                 "Profit": "profit", "Units Sold": "quantity", "Product": "sku"}  # fmt: skip
        return _with_dimensions(base, dims, measures, roles)
    if name == "online_retail_no_order":
        # the Online Retail file as mapped without its InvoiceNo (customers, no order id)
        frame, model = dataset("online_retail")
        model = [c for c in model if c.get("role") != "order_id"]
        return frame.drop(columns="order_id"), model
    if name == "shop_a":
        return _shop_a()
    if name == "shop_b":
        return _shop_b()
    if name == "shop_c":
        return _shop_c()
    raise KeyError(name)


def _order_lines(
    per_order: dict[str, Any],
    lines: np.ndarray,
    *,
    sku: np.ndarray,
    revenue: np.ndarray,
    cost: np.ndarray,
    quantity: np.ndarray,
    sku_name: str,
    categories: np.ndarray,
    dims: tuple[str, ...],
) -> tuple[dict[str, Any], dict[str, pd.Series]]:
    """Canonical columns and dimension columns of order lines: each order's date,
    customer and dimension values repeated over its ``lines``."""
    expand = np.repeat(np.arange(len(lines)), lines)
    base = {
        "date": per_order["date"][expand],
        "revenue": revenue,
        "cost": cost,
        "quantity": quantity,
        "sku": [sku_name.format(s) for s in sku],
        "category": categories,
        "customer": np.asarray(per_order["customer"])[expand],
    }
    base["profit"] = base["revenue"] - base["cost"]
    return base, {c: pd.Series(np.asarray(per_order[c])[expand]) for c in dims}


def _shop_a() -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """A shop with Channel, Store, Payment Method and Rep; orders of 1-3 lines."""
    rng = np.random.default_rng(11)
    orders = 2400
    lines = rng.integers(1, 4, orders)
    order_ids = np.repeat([f"A-{i:05d}" for i in range(orders)], lines)
    days = pd.date_range("2023-01-01", "2024-12-31")
    n = len(order_ids)
    per_order = {
        "date": days[rng.integers(0, len(days), orders)],
        "customer": [f"CU{i:03d}" for i in rng.integers(0, 400, orders)],
        "Channel": rng.choice(["Online", "Retail", "Wholesale"], orders, p=[.5, .3, .2]),
        "Store": rng.choice(["Downtown", "Airport", "Harbour Mall"], orders),
        "Payment Method": rng.choice(["Card", "Cash", "PayPal"], orders),
        "Rep": rng.choice(["Ana", "Ben", "Chloé"], orders),
    }  # fmt: skip
    sku = rng.integers(0, 30, n)
    revenue = np.round(rng.gamma(2.0, 40.0, n) + sku, 2)
    base, dims = _order_lines(
        per_order, lines, sku=sku, revenue=revenue,
        cost=np.round(revenue * (0.55 + 0.01 * (sku % 10)), 2),
        quantity=rng.integers(1, 5, n).astype(float), sku_name="P-{:02d}",
        categories=np.where(sku < 10, "Bikes", np.where(sku < 20, "Parts", "Apparel")),
        dims=("Channel", "Store", "Payment Method", "Rep"),
    )  # fmt: skip
    roles = {"Date": "date", "Amount": "revenue", "Cost": "cost", "Qty": "quantity",
             "Item": "sku", "Category": "category", "Customer": "customer"}  # fmt: skip
    return _with_dimensions(base, dims, {}, roles, order=pd.Series(order_ids))


def _shop_b() -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """A shop with Town, Province and Country; no cost, no order id."""
    rng = np.random.default_rng(23)
    n = 3000
    towns = {
        "Montréal": ("Quebec", "Canada"),
        "Québec": ("Quebec", "Canada"),
        "Toronto": ("Ontario", "Canada"),
        "Ottawa": ("Ontario", "Canada"),
        "Lyon": ("Auvergne-Rhône-Alpes", "France"),
        "Grenoble": ("Auvergne-Rhône-Alpes", "France"),
    }
    town = rng.choice(list(towns), n)
    days = pd.date_range("2023-07-01", "2024-12-31")
    base = {
        "date": days[rng.integers(0, len(days), n)],
        "revenue": np.round(rng.gamma(2.5, 30.0, n), 2),
        "quantity": rng.integers(1, 6, n).astype(float),
        "sku": [f"B-{s:02d}" for s in rng.integers(0, 20, n)],
        "customer": [f"K{c:03d}" for c in rng.integers(0, 250, n)],
    }
    dims = {
        "Town": pd.Series(town),
        "Province": pd.Series([towns[t][0] for t in town]),
        "Country": pd.Series([towns[t][1] for t in town]),
    }
    roles = {"Sold on": "date", "Total": "revenue", "Units": "quantity",
             "Product": "sku", "Client": "customer"}  # fmt: skip
    return _with_dimensions(base, dims, {}, roles)


def _shop_c() -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """A shop with Sales Channel, Branch, Payment Type, Sales Rep, City and State;
    invoices of 1-4 lines, some lines returned (negative amounts)."""
    rng = np.random.default_rng(37)
    invoices = 1800
    lines = rng.integers(1, 5, invoices)
    invoice_ids = np.repeat([f"INV-{i:05d}" for i in range(invoices)], lines)
    days = pd.date_range("2023-04-01", "2025-03-31")
    cities = {"Austin": "Texas", "Dallas": "Texas", "San José": "California",
              "Los Angeles": "California", "Portland": "Oregon"}  # fmt: skip
    city = rng.choice(list(cities), invoices)
    per_invoice = {
        "date": days[rng.integers(0, len(days), invoices)],
        "customer": [f"C{i:04d}" for i in rng.integers(0, 300, invoices)],
        "Sales Channel": rng.choice(["Web", "Marketplace", "Phone"], invoices,
                                    p=[.5, .3, .2]),
        "Branch": rng.choice(["North", "South", "Central"], invoices),
        "Payment Type": rng.choice(["Credit Card", "Bank Transfer", "Cash"], invoices),
        "Sales Rep": rng.choice(["Dana", "Éric", "Farid", "Gwen"], invoices),
        "City": city,
        "State": np.array([cities[c] for c in city]),
    }  # fmt: skip
    n = len(invoice_ids)
    sku = rng.integers(0, 40, n)
    revenue = np.round(rng.gamma(2.0, 55.0, n) + sku, 2)
    revenue = np.where(rng.random(n) < 0.03, -revenue, revenue)  # returned lines
    base, dims = _order_lines(
        per_invoice, lines, sku=sku, revenue=revenue,
        cost=np.round(revenue * (0.5 + 0.01 * (sku % 15)), 2),
        quantity=rng.integers(1, 8, n).astype(float), sku_name="SK-{:03d}",
        categories=np.where(sku < 15, "Tools", np.where(sku < 30, "Garden", "Paint")),
        dims=("Sales Channel", "Branch", "Payment Type", "Sales Rep", "City", "State"),
    )  # fmt: skip
    roles = {"Invoice Date": "date", "Net Amount": "revenue", "Cost": "cost",
             "Qty": "quantity", "SKU": "sku", "Product Line": "category",
             "Customer No": "customer"}  # fmt: skip
    return _with_dimensions(
        base, dims, {}, roles, order=pd.Series(invoice_ids), order_name="Invoice No"
    )


# --------------------------------------------------------------------------- expected


def _rows(df: pd.DataFrame, start: str | None, end: str | None, where: dict) -> Any:
    rows = df
    if start:
        rows = rows.loc[
            (rows["date"] >= start)
            & (rows["date"] < pd.Timestamp(end) + pd.Timedelta(days=1))
        ]
    for column, value in where.items():
        rows = rows.loc[rows[column].astype("str") == value]
    return rows


def total(column: str, start: str | None = None, end: str | None = None, **where: str):
    return lambda df: float(_rows(df, start, end, where)[column].sum())


def where(column: str, value: str, metric: str = "revenue", start=None, end=None):
    return lambda df: float(_rows(df, start, end, {column: value})[metric].sum())


def group_best(by: str, metric: str, lowest: bool = False, start=None, end=None):
    def compute(df: pd.DataFrame) -> float:
        sums = _rows(df, start, end, {}).groupby(by, observed=True)[metric].sum()
        return float(sums.min() if lowest else sums.max())

    return compute


def group_key(by: str, metric: str, lowest: bool = False, start=None, end=None):
    def compute(df: pd.DataFrame) -> str:
        sums = _rows(df, start, end, {}).groupby(by, observed=True)[metric].sum()
        return str(sums.idxmin() if lowest else sums.idxmax())

    return compute


def orders(start=None, end=None, **where_: str):
    """Distinct order ids among lines with a positive amount (returns are not orders)."""

    def compute(df: pd.DataFrame) -> float:
        rows = _rows(df, start, end, where_)
        return float(rows.loc[rows["revenue"] > 0, "order_id"].nunique())

    return compute


def aov(start=None, end=None, **where_: str):
    def compute(df: pd.DataFrame) -> float:
        rows = _rows(df, start, end, where_)
        return float(rows["revenue"].sum() / orders()(rows))

    return compute


def repeat_customers(df: pd.DataFrame) -> float:
    sold = df.loc[df["revenue"] > 0].dropna(subset=["customer", "order_id"])
    return float((sold.groupby("customer")["order_id"].nunique() >= 2).sum())


def best_month_of_year(metric: str = "revenue", **where_: str):
    """The strongest calendar month: monthly totals of the complete months (of the
    rows with ``where_`` values) averaged per calendar month."""

    def compute(df: pd.DataFrame) -> float:
        rows = _rows(df, None, None, where_)
        monthly = rows.groupby(rows["date"].dt.to_period("M"))[metric].sum()
        first, last = df["date"].min(), df["date"].max()
        complete = [
            p for p in monthly.index
            if p.start_time >= first - pd.Timedelta(days=4)
            and p.end_time.normalize() <= last + pd.Timedelta(days=4)
        ]  # fmt: skip
        monthly = monthly.loc[complete]
        return float(monthly.groupby(monthly.index.month).mean().max())

    return compute


def per_weekday(df: pd.DataFrame) -> pd.Series:
    """Revenue of each weekday divided by how many of that weekday the data covers."""
    sums = df.groupby(df["date"].dt.day_of_week)["revenue"].sum()
    days = pd.Series(pd.date_range(df["date"].min(), df["date"].max()).day_of_week)
    return sums / days.value_counts()


def best_weekday(df: pd.DataFrame) -> float:
    return float(per_weekday(df).max())


def share(column: str, value: str):
    return share_of("revenue", column, value)


def distinct(column: str):
    return lambda df: float(df[column].nunique())


def lines(start=None, end=None):
    return lambda df: float(len(_rows(df, start, end, {})))


def share_of(metric: str, column: str, value: str):
    def compute(df: pd.DataFrame) -> float:
        part = df.loc[df[column].astype("str") == value, metric].sum()
        return float(part / df[metric].sum())

    return compute


def group_values(by: str, how: str, start=None, end=None, **where_: str) -> Any:
    """Per-group figures: ``how`` is a metric column to sum, "orders", "aov",
    "margin" or "lines"."""

    def compute(df: pd.DataFrame) -> pd.Series:
        rows = _rows(df, start, end, where_)
        grouped = rows.groupby(by, observed=True)
        if how == "orders":
            return (
                rows.loc[rows["revenue"] > 0]
                .groupby(by, observed=True)["order_id"]
                .nunique()
            )
        if how == "aov":
            paid = rows.loc[rows["revenue"] > 0].groupby(by, observed=True)
            return grouped["revenue"].sum() / paid["order_id"].nunique()
        if how == "margin":
            return grouped["profit"].sum() / grouped["revenue"].sum()
        if how == "customers":
            return grouped["customer"].nunique()
        return grouped[how].sum()

    return compute


def best(by: str, how: str, lowest: bool = False, start=None, end=None, **where_):
    values = group_values(by, how, start, end, **where_)
    return lambda df: float(values(df).min() if lowest else values(df).max())


def best_key(prefix: str, by: str, how: str, lowest=False, start=None, end=None):
    """A label naming the best (or worst) group of ``group_values``."""
    values = group_values(by, how, start, end)

    def compute(df: pd.DataFrame) -> str:
        got = values(df)
        return prefix.format(key=got.idxmin() if lowest else got.idxmax())

    return compute


def distinct_where(column: str, **where_: str):
    return lambda df: float(_rows(df, None, None, where_)[column].nunique())


def best_period(freq: str, how: str = "revenue"):
    def sums(df: pd.DataFrame) -> pd.Series:
        if how == "orders":
            paid = df.loc[df["revenue"] > 0]
            return paid.groupby(paid["date"].dt.to_period(freq))["order_id"].nunique()
        return df.groupby(df["date"].dt.to_period(freq))[how].sum()

    return sums


def weighted_mean(column: str, start=None, end=None):
    def compute(df: pd.DataFrame) -> float:
        rows = _rows(df, start, end, {})
        return float((rows[column] * rows["revenue"]).sum() / rows["revenue"].sum())

    return compute


def plain_mean(column: str, start=None, end=None):
    return lambda df: float(_rows(df, start, end, {})[column].mean())


def repeat_in(start: str, end: str):
    def compute(df: pd.DataFrame) -> float:
        return repeat_customers(_rows(df, start, end, {}))

    return compute


def busiest_weekday(df: pd.DataFrame) -> float:
    """Orders on each weekday divided by how many of that weekday the data covers."""
    paid = df.loc[df["revenue"] > 0]
    per_day = paid.groupby(paid["date"].dt.normalize())["order_id"].nunique()
    sums = per_day.groupby(per_day.index.day_of_week).sum()
    days = pd.Series(pd.date_range(df["date"].min(), df["date"].max()).day_of_week)
    return float((sums / days.value_counts()).max())


def growth(column: str, year: int):
    """The change of a summed column from the year before ``year`` to ``year``."""

    def compute(df: pd.DataFrame) -> float:
        years = df["date"].dt.year
        now = df.loc[years == year, column].sum()
        return float(now / df.loc[years == year - 1, column].sum() - 1)

    return compute


def weakest_weekday(df: pd.DataFrame) -> float:
    return float(per_weekday(df).min())


def _days_between(df: pd.DataFrame, start=None, end=None) -> pd.DatetimeIndex:
    """Every day from the data's first date (or ``start``) to its last (or ``end``)."""
    first, last = df["date"].min().normalize(), df["date"].max().normalize()
    if start:
        first, last = max(first, pd.Timestamp(start)), min(last, pd.Timestamp(end))
    return pd.date_range(first, last)


def on_days(days: tuple[int, ...], metric="revenue", start=None, end=None, **where_):
    """``metric`` on the days of the week ``days`` (Monday = 0)."""

    def compute(df: pd.DataFrame) -> float:
        rows = _rows(df, start, end, where_)
        rows = rows.loc[rows["date"].dt.day_of_week.isin(days)]
        if metric == "orders":
            return float(rows.loc[rows["revenue"] > 0, "order_id"].nunique())
        return float(rows[metric].sum())

    return compute


def per_day_on(days: tuple[int, ...], start=None, end=None):
    """Revenue on ``days`` divided by how many such days lie in the data's span."""

    def compute(df: pd.DataFrame) -> float:
        covered = _days_between(df, start, end).day_of_week.isin(days).sum()
        return on_days(days, start=start, end=end)(df) / float(covered)

    return compute


def _buyers(df: pd.DataFrame) -> pd.DataFrame:
    """Lines with a customer id and a positive amount (purchases)."""
    return df.loc[df["customer"].notna() & (df["revenue"] > 0)]


def orders_per_customer(start=None, end=None):
    def compute(df: pd.DataFrame) -> float:
        bought = _buyers(_rows(df, start, end, {}))
        pairs = bought[["customer", "order_id"]].drop_duplicates()
        return len(pairs) / bought["customer"].nunique()

    return compute


def revenue_per_customer(start=None, end=None, **where_):
    """Net revenue of the lines with a customer id / distinct customers."""

    def compute(df: pd.DataFrame) -> float:
        rows = _rows(df, start, end, where_)
        known = rows.loc[rows["customer"].notna()]
        return float(known["revenue"].sum() / known["customer"].nunique())

    return compute


def repeat_rate(df: pd.DataFrame) -> float:
    """Customers with two or more orders / customers with a purchase."""
    orders_ = _buyers(df).groupby("customer")["order_id"].nunique()
    return float((orders_ >= 2).mean())


def repeat_rate_days(start=None, end=None):
    """Without order ids: customers who bought on two or more distinct days /
    customers with a purchase."""

    def compute(df: pd.DataFrame) -> float:
        rows = _buyers(_rows(df, start, end, {}))
        visits = pd.DataFrame(
            {"customer": rows["customer"], "day": rows["date"].dt.date}
        )
        days = visits.drop_duplicates()["customer"].value_counts()
        return float((days >= 2).mean())

    return compute


def came_back(start=None, end=None, share: bool = True, next_month: bool = False):
    """Of the customers whose first purchase month is in [start, end] (any month, and
    before the data's last month), those with a purchase in a later month (or in the
    month right after the first one); their number or share."""

    def compute(df: pd.DataFrame) -> float:
        buyers = _buyers(df.loc[df["date"].notna()])
        months = buyers["date"].dt.to_period("M")
        first = months.groupby(buyers["customer"]).min()
        last_data = df.loc[df["customer"].notna(), "date"].dt.to_period("M").max()
        cohort = first.loc[first < last_data]
        if start:
            cohort = cohort.loc[
                (cohort >= pd.Period(start, "M")) & (cohort <= pd.Period(end, "M"))
            ]
        if next_month:
            pairs = pd.DataFrame(
                {"c": buyers["customer"], "m": months}
            ).drop_duplicates()
            target = pairs["c"].map(cohort) + 1
            back = pairs.loc[pairs["m"] == target, "c"].nunique()
        else:
            back = int(
                (months.groupby(buyers["customer"]).max()[cohort.index] > cohort).sum()
            )
        return back / len(cohort) if share else float(back)

    return compute


def rfm_segment(segment: str, revenue: bool = False):
    """Customers (or net revenue) of an RFM segment: recency to the last date, orders
    (distinct order ids among purchases), net revenue; quintile scores; first rule."""

    def compute(df: pd.DataFrame) -> float:
        known = df.loc[df["customer"].notna() & df["date"].notna()]
        buyers = _buyers(known)
        end = known["date"].dt.normalize().max()
        recency = (
            end - buyers.groupby("customer")["date"].max().dt.normalize()
        ).dt.days
        frequency = buyers.groupby("customer")["order_id"].nunique()
        monetary = known.groupby("customer")["revenue"].sum()[recency.index]

        def quintile(v: pd.Series) -> pd.Series:
            return np.ceil(v.rank(method="average", pct=True) * 5).clip(1, 5)

        r, f, m = quintile(-recency), quintile(frequency), quintile(monetary)
        names = pd.Series("Hibernating", index=r.index)
        rules = [
            ("Needs attention", r == 3),
            ("New or promising", r >= 4),
            ("At risk", (r <= 2) & (f >= 3)),
            ("Can't lose them", (r <= 2) & (f >= 4) & (m >= 4)),
            ("Loyal", (r >= 3) & (f >= 3)),
            ("Champions", (r >= 4) & (f >= 4)),
        ]
        for name, rule in rules:  # the last assignment wins: the first rule
            names[rule] = name
        chosen = names == segment
        return float(monetary[chosen].sum()) if revenue else float(chosen.sum())

    return compute


def _first_purchase(df: pd.DataFrame) -> pd.Series:
    return _buyers(df).groupby("customer")["date"].min().dt.normalize()


def new_customers(start: str, end: str, revenue: bool = False):
    """Customers whose first purchase falls in the period (or their revenue there)."""

    def compute(df: pd.DataFrame) -> float:
        first = _first_purchase(df)
        new = first.index[(first >= start) & (first <= end)]
        if revenue:
            rows = _rows(df, start, end, {})
            return float(rows.loc[rows["customer"].isin(new), "revenue"].sum())
        return float(len(new))

    return compute


def returning_customers(start: str, end: str):
    """Customers with a purchase in the period whose first purchase was before it."""

    def compute(df: pd.DataFrame) -> float:
        first = _first_purchase(df)
        bought = _buyers(_rows(df, start, end, {}))["customer"].unique()
        return float((first.loc[bought] < pd.Timestamp(start)).sum())

    return compute


def price_per_unit(start=None, end=None):
    """Revenue / units: the quantity-weighted average price."""

    def compute(df: pd.DataFrame) -> float:
        rows = _rows(df, start, end, {})
        return float(rows["revenue"].sum() / rows["quantity"].sum())

    return compute


# --------------------------------------------------------------------------- the bank


@dataclass(frozen=True)
class Case:
    """A question and either the fact its answer must state (``expected`` computes the
    value, ``label`` is the start of the fact's label, a string or computed from the
    frame) or, for a question that must be refused, ``refuse``: text the refusal must
    contain (what is missing)."""

    id: str
    data: str
    question: str
    expected: Callable[[pd.DataFrame], float] | None = None
    label: str | Callable[[pd.DataFrame], str] | None = None
    refuse: str | None = None
    tol: float = 0.01


SS, OR, WM, FS, SA, SB, SC = (
    "superstore", "online_retail", "walmart", "financial", "shop_a", "shop_b",
    "shop_c",
)  # fmt: skip
ORD = "online_retail_no_order"


def of(prefix: str, by: str, metric: str, lowest: bool = False, start=None, end=None):
    """A label naming the best (or worst) group: 'Profit of region West'."""
    return lambda df: prefix.format(key=group_key(by, metric, lowest, start, end)(df))


BANK: tuple[Case, ...] = (
    # ---- Superstore: dimensions of the file, orders, calendar patterns
    Case("ss-region-profit", SS, "Which region made the most profit?",
         group_best("Region", "profit"), of("Profit of region {key}", "Region", "profit")),
    Case("ss-state-profit", SS, "Which state made the most profit?",
         group_best("State", "profit"), of("Profit of state {key}", "State", "profit")),
    Case("ss-shipmode-profit", SS, "Which ship mode made the most profit?",
         group_best("Ship Mode", "profit"),
         of("Profit of ship mode {key}", "Ship Mode", "profit")),
    Case("ss-city-profit", SS, "Which city made the most profit?",
         group_best("City", "profit"), of("Profit of city {key}", "City", "profit")),
    Case("ss-city-sales", SS, "Top 3 cities by sales",
         group_best("City", "revenue"), of("Revenue of city {key}", "City", "revenue")),
    Case("ss-worst-subcat", SS, "What is the worst sub-category by profit?",
         group_best("Sub-Category", "profit", lowest=True),
         of("Profit of sub category {key}", "Sub-Category", "profit", lowest=True)),
    Case("ss-segment", SS, "Sales by segment",
         where("Segment", "Corporate"), "Revenue of segment Corporate"),
    Case("ss-segment-2016", SS, "Revenue by segment in 2016",
         where("Segment", "Consumer", start="2016-01-01", end="2016-12-31"),
         "Revenue of segment Consumer, 2016"),
    Case("ss-region-breakdown", SS, "Profit by region",
         where("Region", "South", "profit"), "Profit of region South"),
    Case("ss-west-2017", SS, "What were sales in the West in 2017?",
         where("Region", "West", start="2017-01-01", end="2017-12-31"),
         "Revenue for region West, 2017"),
    Case("ss-texas", SS, "Revenue in Texas",
         where("State", "Texas"), "Revenue for state Texas"),
    Case("ss-first-class", SS, "How much profit did First Class make?",
         where("Ship Mode", "First Class", "profit"), "Profit for ship mode First Class"),
    Case("ss-corporate-share", SS, "What share of revenue comes from Corporate?",
         share("Segment", "Corporate"), "Share of revenue for segment Corporate",
         tol=1e-6),
    Case("ss-compare-regions", SS, "Compare the West and the East",
         where("Region", "East"), "Revenue of region East"),
    Case("ss-top-customers-texas", SS, "Top 5 customers in Texas by profit",
         lambda df: float(
             df.loc[df["State"] == "Texas"].groupby("customer")["profit"].sum().max()),
         lambda df: "Profit of customer " + str(
             df.loc[df["State"] == "Texas"].groupby("customer")["profit"].sum().idxmax())),
    Case("ss-orders-2016", SS, "How many orders in 2016?",
         orders("2016-01-01", "2016-12-31"), "Orders, 2016"),
    Case("ss-aov", SS, "What's the average order value?", aov(), "Average order value"),
    Case("ss-aov-2017", SS, "What was the average order value in 2017?",
         aov("2017-01-01", "2017-12-31"), "Average order value, 2017"),
    Case("ss-lines-2016", SS, "How many transactions were there in 2016?",
         lines("2016-01-01", "2016-12-31"), "Transactions, 2016"),
    Case("ss-repeat", SS, "How many customers ordered more than once?",
         repeat_customers, "Customers with more than one order"),
    Case("ss-month-of-year", SS, "Which month of the year is usually strongest?",
         best_month_of_year(), "Average revenue per year"),
    Case("ss-weekday", SS, "Which day of the week is strongest?",
         best_weekday, "Average revenue per day"),
    Case("ss-revenue-2016", SS, "What was revenue in 2016?",
         total("revenue", "2016-01-01", "2016-12-31"), "Revenue, 2016"),
    Case("ss-technology-share", SS, "What share of sales comes from Technology?",
         share("category", "Technology"), "Share of revenue for category Technology",
         tol=1e-6),
    Case("ss-customers", SS, "How many customers do I have?",
         distinct("customer"), "Distinct customers"),
    Case("ss-states-count", SS, "How many states do we sell in?",
         distinct("State"), "Distinct states"),
    Case("ss-top-products", SS, "Top 5 products by profit",
         group_best("sku", "profit"), of("Profit of SKU {key}", "sku", "profit")),
    Case("ss-region-orders", SS, "Which region had the most orders?",
         lambda df: float(df.groupby("Region", observed=True)["order_id"].nunique().max()),
         lambda df: "Orders of region " + str(
             df.groupby("Region", observed=True)["order_id"].nunique().idxmax())),
    Case("ss-subcat-loses", SS, "Which sub-category loses money?",
         group_best("Sub-Category", "profit", lowest=True),
         of("Profit of sub category {key}", "Sub-Category", "profit", lowest=True)),
    Case("ss-state-under", SS, "Which state is underperforming?",
         group_best("State", "profit", lowest=True),
         of("Profit of state {key}", "State", "profit", lowest=True)),
    Case("ss-region-declining", SS, "Which region is declining?", refuse="declining"),
    Case("ss-area", SS, "Which area made the most profit?",
         group_best("Region", "profit"), of("Profit of region {key}", "Region", "profit")),
    Case("ss-subcategory", SS, "Revenue by subcategory",
         where("Sub-Category", "Chairs"), "Revenue of sub category Chairs"),
    Case("ss-shipping-method", SS, "Sales by shipping method",
         where("Ship Mode", "Same Day"), "Revenue of ship mode Same Day"),
    Case("ss-canada", SS, "What were sales in Canada?", refuse="canada"),
    Case("ss-discounts", SS, "How much did discounts cost us?", refuse="Discount"),
    Case("ss-churn", SS, "What is our churn rate?", refuse="churn"),
    Case("ss-ship-date", SS, "Revenue by ship date", refuse="Ship Date"),
    Case("ss-product-name", SS, "Revenue by product name", refuse="Product Name"),
    Case("ss-shipping", SS, "What did shipping cost us in 2016?", refuse="shipping"),
    Case("ss-targets", SS, "Did we hit our sales target in 2017?", refuse="target"),
    Case("ss-segment-region", SS, "Sales by segment and region",
         refuse="one column at a time"),
    # ---- Online Retail: invoices are orders, Country is a dimension, no cost
    Case("or-country", OR, "Which country had the most revenue?",
         group_best("Country", "revenue"),
         of("Revenue of country {key}", "Country", "revenue")),
    Case("or-france", OR, "Revenue in France",
         where("Country", "France"), "Revenue for country France"),
    Case("or-germany-2011", OR, "What were sales in Germany in 2011?",
         where("Country", "Germany", start="2011-01-01", end="2011-12-31"),
         "Revenue for country Germany, 2011"),
    Case("or-invoices", OR, "How many orders did we get in 2011?",
         orders("2011-01-01", "2011-12-31"), "Orders, 2011"),
    Case("or-aov", OR, "What is the average order value?", aov(), "Average order value"),
    Case("or-uk-share", OR, "What share of revenue comes from the United Kingdom?",
         share("Country", "United Kingdom"),
         "Share of revenue for country United Kingdom", tol=1e-6),
    Case("or-countries", OR, "How many countries do we sell to?",
         distinct("Country"), "Distinct countries"),
    Case("or-total", OR, "What was total revenue?", total("revenue"), "Revenue, all your data"),
    Case("or-units-2011", OR, "How many units were sold in 2011?",
         total("quantity", "2011-01-01", "2011-12-31"), "Units sold, 2011"),
    Case("or-repeat", OR, "How many repeat customers do we have?",
         lambda df: float(
             df.loc[(df["customer"] != "<NA>") & (df["revenue"] > 0)]
             .dropna(subset=["customer"])
             .groupby("customer")["order_id"].nunique().ge(2).sum()),
         "Customers with more than one order"),
    Case("or-profit", OR, "What was profit in 2011?", refuse="no cost or profit"),
    Case("or-margin-country", OR, "Which country has the best margin?",
         refuse="no cost or profit"),
    Case("or-description", OR, "Revenue by description", refuse="Description"),
    Case("or-far-future", OR, "What will revenue be in 2016?",
         refuse="too far ahead to forecast"),
    Case("ss-far-future", SS, "Sales in 2025?", refuse="too far ahead to forecast"),
    # ---- Walmart: Store is a dimension; temperature etc. are not money
    Case("wm-store", WM, "Which store had the highest sales?",
         group_best("Store", "revenue"), of("Revenue of store {key}", "Store", "revenue")),
    Case("wm-store-2011", WM, "Top 3 stores by revenue in 2011",
         group_best("Store", "revenue", start="2011-01-01", end="2011-12-31"),
         of("Revenue of store {key}, 2011", "Store", "revenue",
            start="2011-01-01", end="2011-12-31")),
    Case("wm-worst-store", WM, "Which store had the lowest sales?",
         group_best("Store", "revenue", lowest=True),
         of("Revenue of store {key}", "Store", "revenue", lowest=True)),
    Case("wm-2011", WM, "What was revenue in 2011?",
         total("revenue", "2011-01-01", "2011-12-31"), "Revenue, 2011"),
    Case("wm-stores", WM, "How many stores are there?", distinct("Store"),
         "Distinct stores"),
    Case("wm-fuel", WM, "What is the total fuel price?", refuse="Fuel_Price"),
    Case("wm-products", WM, "Top 5 products by revenue", refuse="no SKU"),
    Case("wm-orders", WM, "How many orders did we get?", refuse="order id"),
    Case("wm-customers", WM, "Which store has the most customers?",
         refuse="customer id"),
    Case("wm-profit", WM, "Which store made the most profit?", refuse="no cost or profit"),
    # ---- Financial Sample: Segment, Country, Discount Band; money measures
    Case("fs-country", FS, "Which country made the most profit?",
         group_best("Country", "profit"), of("Profit of country {key}", "Country", "profit")),
    Case("fs-segment", FS, "Sales by segment",
         where("Segment", "Government"), "Revenue of segment Government"),
    Case("fs-canada", FS, "What were sales in Canada?",
         where("Country", "Canada"), "Revenue for country Canada"),
    Case("fs-canada-2014", FS, "Profit in Canada in 2014",
         where("Country", "Canada", "profit", "2014-01-01", "2014-12-31"),
         "Profit for country Canada, 2014"),
    Case("fs-discount-band", FS, "Revenue by discount band",
         where("Discount Band", "High"), "Revenue of discount band High"),
    Case("fs-germany-share", FS, "What share of revenue comes from Germany?",
         share("Country", "Germany"), "Share of revenue for country Germany", tol=1e-6),
    Case("fs-compare", FS, "Compare Canada and Mexico",
         where("Country", "Mexico"), "Revenue of country Mexico"),
    Case("fs-top-products", FS, "Top 3 products by profit",
         group_best("sku", "profit"), of("Profit of SKU {key}", "sku", "profit")),
    Case("fs-month-of-year", FS, "Which month of the year is usually strongest?",
         best_month_of_year(), "Average revenue per year"),
    Case("fs-gross-sales", FS, "What were gross sales in 2014?",
         total("Gross Sales", "2014-01-01", "2014-12-31"),
         "Gross Sales, 2014-01-01 to 2014-12-31"),
    Case("fs-discounts-country", FS, "Which country had the most discounts?",
         group_best("Country", "Discounts"),
         of("Discounts of Country {key}", "Country", "Discounts")),
    Case("fs-gross-product", FS, "Top 2 products by gross sales",
         group_best("sku", "Gross Sales"),
         of("Gross Sales of Product {key}", "sku", "Gross Sales")),
    Case("fs-two-measures", FS, "What were gross sales and discounts?",
         refuse="one of your file's measure columns at a time"),
    Case("fs-customers", FS, "How many customers do we have?", refuse="customer"),
    Case("fs-orders", FS, "What's the average order value?", refuse="order id"),
    # ---- Shop A: Channel, Store, Payment Method, Rep; orders of several lines
    Case("sa-channel", SA, "Sales by channel",
         where("Channel", "Online"), "Revenue of channel Online"),
    Case("sa-rep-2024", SA, "Which rep sold the most in 2024?",
         group_best("Rep", "revenue", start="2024-01-01", end="2024-12-31"),
         of("Revenue of rep {key}, 2024", "Rep", "revenue",
            start="2024-01-01", end="2024-12-31")),
    Case("sa-payment", SA, "Revenue by payment method",
         where("Payment Method", "Cash"), "Revenue of payment method Cash"),
    Case("sa-online-share", SA, "What share of revenue came from Online?",
         share("Channel", "Online"), "Share of revenue for channel Online", tol=1e-6),
    Case("sa-stores", SA, "Compare Downtown and Airport",
         where("Store", "Airport"), "Revenue of store Airport"),
    Case("sa-harbour", SA, "What was profit at Harbour Mall in 2023?",
         where("Store", "Harbour Mall", "profit", "2023-01-01", "2023-12-31"),
         "Profit for store Harbour Mall, 2023"),
    Case("sa-orders", SA, "How many orders in 2024?",
         orders("2024-01-01", "2024-12-31"), "Orders, 2024"),
    Case("sa-aov", SA, "What was the average order value in 2023?",
         aov("2023-01-01", "2023-12-31"), "Average order value, 2023"),
    Case("sa-aov-online", SA, "Average order value for Online",
         aov(Channel="Online"), "Average order value for channel Online"),
    Case("sa-lines", SA, "How many transactions in 2024?",
         lines("2024-01-01", "2024-12-31"), "Transactions, 2024"),
    Case("sa-repeat", SA, "How many customers bought more than once?",
         repeat_customers, "Customers with more than one order"),
    Case("sa-chloe", SA, "Revenue for Chloe in 2024",
         where("Rep", "Chloé", start="2024-01-01", end="2024-12-31"),
         "Revenue for rep Chloé, 2024"),
    Case("sa-best-channel-profit", SA, "Which channel made the most profit?",
         group_best("Channel", "profit"), of("Profit of channel {key}", "Channel", "profit")),
    Case("sa-weekday", SA, "Which day of the week is strongest?",
         best_weekday, "Average revenue per day"),
    Case("sa-category", SA, "Revenue by category in 2024",
         where("category", "Bikes", start="2024-01-01", end="2024-12-31"),
         "Revenue of category Bikes, 2024"),
    Case("sa-salesperson", SA, "Which salesperson sold the most in 2024?",
         group_best("Rep", "revenue", start="2024-01-01", end="2024-12-31"),
         of("Revenue of rep {key}, 2024", "Rep", "revenue",
            start="2024-01-01", end="2024-12-31")),
    Case("sa-payment-type", SA, "Revenue by payment type",
         where("Payment Method", "PayPal"), "Revenue of payment method PayPal"),
    Case("sa-returns", SA, "How many returns did we have?", refuse="returns"),
    Case("sa-region", SA, "Sales by region", refuse="region"),
    # ---- Shop B: Town, Province, Country; no cost, no order id
    Case("sb-montreal", SB, "Revenue in Montreal",
         where("Town", "Montréal"), "Revenue for town Montréal"),
    Case("sb-province", SB, "Which province had the most revenue?",
         group_best("Province", "revenue"),
         of("Revenue of province {key}", "Province", "revenue")),
    Case("sb-country", SB, "Revenue by country",
         where("Country", "France"), "Revenue of country France"),
    Case("sb-ontario-2024", SB, "What were sales in Ontario in 2024?",
         where("Province", "Ontario", start="2024-01-01", end="2024-12-31"),
         "Revenue for province Ontario, 2024"),
    Case("sb-province-quebec", SB, "Revenue in the province of Quebec",
         where("Province", "Quebec"), "Revenue for province Quebec"),
    Case("sb-towns", SB, "Top 3 towns by units sold",
         group_best("Town", "quantity"), of("Units sold of town {key}", "Town", "quantity")),
    Case("sb-france-share", SB, "What share of revenue comes from France?",
         share("Country", "France"), "Share of revenue for country France", tol=1e-6),
    Case("sb-city", SB, "Revenue by city",
         where("Town", "Lyon"), "Revenue of town Lyon"),
    Case("sb-quebec-ambiguous", SB, "Revenue in Quebec", refuse="say which"),
    Case("sb-orders", SB, "How many orders did we get in 2024?", refuse="order id"),
    Case("sb-profit", SB, "What was profit in Ontario?", refuse="no cost or profit"),
    Case("sb-vancouver", SB, "Revenue in Vancouver", refuse="vancouver"),
    # ---- More phrasings on the real files: lower case values, plural names, "sold"
    Case("ss-east-2016", SS, "What were sales in the east region in 2016?",
         where("Region", "East", start="2016-01-01", end="2016-12-31"),
         "Revenue for region East, 2016"),
    Case("ss-consumer-profit", SS, "profit for the consumer segment",
         where("Segment", "Consumer", "profit"), "Profit for segment Consumer"),
    Case("ss-california-orders", SS, "How many orders came from California?",
         orders(State="California"), "Orders for state California"),
    Case("ss-aov-west", SS, "average order value in the West", aov(Region="West"),
         "Average order value for region West"),
    Case("ss-segment-aov", SS, "Which segment has the highest average order value?",
         best("Segment", "aov"),
         best_key("Average order value of segment {key}", "Segment", "aov")),
    Case("ss-west-profit-share", SS, "What share of profit comes from the West?",
         share_of("profit", "Region", "West"),
         "Share of profit for region West in the total", tol=1e-6),
    Case("ss-cities-units", SS, "Which cities sold the most units?",
         best("City", "quantity"), best_key("Units sold of city {key}", "City",
                                            "quantity")),
    Case("ss-states-orders-2017", SS, "Top 3 states by orders in 2017",
         best("State", "orders", start="2017-01-01", end="2017-12-31"),
         best_key("Orders of state {key}, 2017", "State", "orders",
                  start="2017-01-01", end="2017-12-31")),
    Case("ss-cities-count", SS, "How many cities do we sell in?", distinct("City"),
         "Distinct cities"),
    Case("ss-phones", SS, "revenue from phones", where("Sub-Category", "Phones"),
         "Revenue for sub category Phones"),
    Case("ss-chairs-2017", SS, "Sales of chairs in 2017",
         where("Sub-Category", "Chairs", start="2017-01-01", end="2017-12-31"),
         "Revenue for sub category Chairs, 2017"),
    Case("ss-central-margin", SS, "What was the margin in the Central region?",
         lambda df: float(df.loc[df["Region"] == "Central", "profit"].sum()
                          / df.loc[df["Region"] == "Central", "revenue"].sum()),
         "Profit margin for region Central", tol=1e-6),
    Case("ss-subcat-margin", SS, "Which sub-categories had the lowest margin?",
         best("Sub-Category", "margin", lowest=True),
         best_key("Profit margin of sub category {key}", "Sub-Category", "margin",
                  lowest=True), tol=1e-6),
    Case("ss-south-customers", SS, "How many customers in the South?",
         distinct_where("customer", Region="South"),
         "Distinct customers for region South"),
    Case("ss-nyc", SS, "Revenue in New York City", where("City", "New York City"),
         "Revenue for city New York City"),
    Case("ss-best-quarter", SS, "Which quarter had the most sales?",
         lambda df: float(best_period("Q")(df).max()),
         lambda df: "Revenue, Q{q} {y}".format(
             q=best_period("Q")(df).idxmax().quarter,
             y=best_period("Q")(df).idxmax().year)),
    Case("ss-consumer-corporate", SS, "Compare Consumer and Corporate in 2016",
         where("Segment", "Corporate", start="2016-01-01", end="2016-12-31"),
         "Revenue of segment Corporate, 2016"),
    Case("ss-weekday-least", SS, "Which weekday sells the least?", weakest_weekday,
         "Average revenue per day"),
    Case("ss-discount-2017", SS, "What was the average discount in 2017?",
         weighted_mean("Discount", "2017-01-01", "2017-12-31"),
         "Average Discount, 2017-01-01 to 2017-12-31", tol=5e-7),
    Case("ss-shipmode-2017", SS, "Revenue by ship mode in 2017",
         where("Ship Mode", "Standard Class", start="2017-01-01", end="2017-12-31"),
         "Revenue of ship mode Standard Class, 2017"),
    Case("ss-shipmode-least", SS, "Lowest selling ship mode",
         best("Ship Mode", "revenue", lowest=True),
         best_key("Revenue of ship mode {key}", "Ship Mode", "revenue", lowest=True)),
    Case("ss-loss-makers", SS, "Which products lose money?",
         lambda df: float(
             (df.groupby("sku")["profit"].sum().round(6) < 0).sum()),
         "Loss-making SKUs"),  # 299: two SKUs sum to -2e-15, float noise, not a loss
    Case("ss-margin-changed", SS, "How has margin changed this year?",
         lambda df: float(_rows(df, "2017-01-01", "2017-12-31", {})["profit"].sum()
                          / _rows(df, "2017-01-01", "2017-12-31", {})["revenue"].sum()),
         "Profit margin, 2017", tol=1e-6),
    Case("ss-region-customers", SS, "Which region has the most customers?",
         best("Region", "customers"),
         best_key("Customers of region {key}", "Region", "customers")),
    Case("ss-region-fewest-customers", SS, "Which region has the fewest customers?",
         best("Region", "customers", lowest=True),
         best_key("Customers of region {key}", "Region", "customers", lowest=True)),
    Case("ss-region-customers-spend", SS, "Which region's customers spend the most?",
         refuse="customers"),
    Case("ss-region-products", SS, "Which region sold the most products?",
         refuse="products"),
    Case("ss-state-categories", SS, "Which state has the most categories?",
         refuse="categories"),
    Case("sa-fewest-units", SA, "Which channel sold the fewest units?",
         best("Channel", "quantity", lowest=True),
         best_key("Units sold of channel {key}", "Channel", "quantity", lowest=True)),
    Case("ss-excluding", SS, "What was profit in the West excluding California?",
         refuse="excluding"),
    Case("ss-except", SS, "Revenue for everything except Furniture", refuse="except"),
    Case("ss-threshold", SS, "How many orders had more than 5 items?",
         refuse="more than 5"),
    Case("ss-aov-by-month", SS, "Average order value by month in 2017",
         refuse="average order value"),
    Case("ss-how-many-weeks", SS, "How many weeks of data?", refuse="how many"),
    Case("or-invoices-2011", OR, "How many invoices in 2011?",
         orders("2011-01-01", "2011-12-31"), "Orders, 2011"),
    Case("or-units-france", OR, "How many units did France buy?",
         where("Country", "France", "quantity"), "Units sold for country France"),
    Case("or-month-orders", OR, "Which month had the most orders?",
         lambda df: float(best_period("M", "orders")(df).max()),
         lambda df: "Orders, " + best_period("M", "orders")(df).idxmax()
         .strftime("%B %Y")),
    Case("or-uk-orders", OR, "What share of orders came from the UK?",
         lambda df: orders(Country="United Kingdom")(df) / orders()(df),
         "Share of orders for country United Kingdom", tol=1e-6),
    Case("or-france-customers", OR, "Revenue from customers in France",
         where("Country", "France"), "Revenue for country France"),
    Case("wm-stores-1-2", WM, "What was revenue for stores 1 and 2?",
         where("Store", "2"), "Revenue of store 2"),
    Case("wm-store-20-2012", WM, "Revenue of store 20 in 2012",
         where("Store", "20", start="2012-01-01", end="2012-12-31"),
         "Revenue for store 20, 2012"),
    Case("wm-temperature", WM, "What was the average temperature?",
         plain_mean("Temperature"), "Average Temperature"),
    Case("wm-fuel-2011", WM, "What was the average fuel price in 2011?",
         plain_mean("Fuel_Price", "2011-01-01", "2011-12-31"),
         "Average Fuel_Price, 2011-01-01 to 2011-12-31", tol=0.005),
    Case("fs-segment-2014", FS, "Which segment made the most profit in 2014?",
         best("Segment", "profit", start="2014-01-01", end="2014-12-31"),
         best_key("Profit of segment {key}, 2014", "Segment", "profit",
                  start="2014-01-01", end="2014-12-31")),
    Case("fs-government-germany", FS, "Profit of the Government segment in Germany",
         lambda df: float(df.loc[(df["Segment"] == "Government")
                                 & (df["Country"] == "Germany"), "profit"].sum()),
         "Profit for country Germany and segment Government"),
    Case("fs-band-margin", FS, "Which discount band has the lowest margin?",
         best("Discount Band", "margin", lowest=True),
         best_key("Profit margin of discount band {key}", "Discount Band", "margin",
                  lowest=True), tol=1e-6),
    Case("fs-france-units", FS, "How many units were sold in France?",
         where("Country", "France", "quantity"), "Units sold for country France"),
    Case("fs-product-units", FS, "Which product sold the most units?",
         best("sku", "quantity"), best_key("Units sold of SKU {key}", "sku",
                                           "quantity")),
    Case("fs-paseo-canada", FS, "Revenue for Paseo in Canada",
         lambda df: float(df.loc[(df["sku"] == "Paseo")
                                 & (df["Country"] == "Canada"), "revenue"].sum()),
         "Revenue for SKU Paseo and country Canada"),
    # ---- Shop A and B: more phrasings
    Case("sa-aov-cash", SA, "What was the average order value for Cash payments?",
         aov(**{"Payment Method": "Cash"}),
         "Average order value for payment method Cash"),
    Case("sa-store-orders-2023", SA, "Which store had the most orders in 2023?",
         best("Store", "orders", start="2023-01-01", end="2023-12-31"),
         best_key("Orders of store {key}, 2023", "Store", "orders",
                  start="2023-01-01", end="2023-12-31")),
    Case("sa-wholesale-2024", SA, "Revenue through the wholesale channel in 2024",
         where("Channel", "Wholesale", start="2024-01-01", end="2024-12-31"),
         "Revenue for channel Wholesale, 2024"),
    Case("sa-ana", SA, "How much did Ana sell?", where("Rep", "Ana"),
         "Revenue for rep Ana"),
    Case("sa-profit-by-rep", SA, "Profit by rep", where("Rep", "Ben", "profit"),
         "Profit of rep Ben"),
    Case("sa-orders-by-channel", SA, "Orders by channel",
         orders(Channel="Retail"), "Orders of channel Retail"),
    Case("sa-repeat-2024", SA, "How many repeat customers in 2024?",
         repeat_in("2024-01-01", "2024-12-31"), "Customers with more than one order"),
    Case("sa-online-month", SA, "Which month of the year is strongest for Online?",
         best_month_of_year(Channel="Online"),
         "Average revenue per year for channel Online"),
    Case("sa-airport", SA, "sales at the airport store", where("Store", "Airport"),
         "Revenue for store Airport"),
    Case("sa-payment-customers", SA, "Which payment method has the most customers?",
         best("Payment Method", "customers"),
         best_key("Customers of payment method {key}", "Payment Method", "customers")),
    # ---- everyday words: busiest (orders, or lines without an order id), popular
    # (units sold), grew/growth (a period against the one before, or the two named)
    Case("sa-popular", SA, "Which payment method is most popular?",
         best("Payment Method", "quantity"),
         best_key("Units sold of payment method {key}", "Payment Method", "quantity")),
    Case("sa-busiest-month", SA, "What was our busiest month?",
         lambda df: float(best_period("M", "orders")(df).max()), "Orders, "),
    Case("sa-quietest-month", SA, "Which month was quietest?",
         lambda df: float(best_period("M", "orders")(df).min()), "Orders, "),
    Case("sa-busiest-store-2024", SA, "Which store was busiest in 2024?",
         best("Store", "orders", start="2024-01-01", end="2024-12-31"),
         best_key("Orders of store {key}, 2024", "Store", "orders",
                  start="2024-01-01", end="2024-12-31")),
    Case("sa-busiest-weekday", SA, "What is the busiest day of the week?",
         busiest_weekday, "Average orders per day, "),
    Case("sa-busy-march", SA, "How busy was March 2024?",
         orders("2024-03-01", "2024-03-31"), "Orders, March 2024"),
    Case("sa-grow-2024", SA, "How much did revenue grow in 2024?",
         growth("revenue", 2024), "Change in revenue, 2024 vs 2023", tol=1e-5),
    Case("sa-growth-range", SA, "How much did sales grow from 2023 to 2024?",
         growth("revenue", 2024), "Change in revenue, 2024 vs 2023", tol=1e-5),
    Case("sa-profit-grew", SA, "Did profit grow in 2024?",
         growth("profit", 2024), "Change in profit, 2024 vs 2023", tol=1e-5),
    Case("sa-store-grew", SA, "Which store grew the most in 2024?", refuse="grew"),
    Case("sa-when-busiest", SA, "When were we busiest?", refuse="busiest what"),
    Case("sa-how-grow", SA, "How can I grow sales?", refuse="advice"),
    Case("sb-busiest-town", SB, "Which town was busiest?",
         lambda df: float(df.groupby("Town", observed=True).size().max()),
         lambda df: "Transactions of town "
         + str(df.groupby("Town", observed=True).size().idxmax())),
    Case("sb-popular-product", SB, "What is the most popular product?",
         best("sku", "quantity"), best_key("Units sold of SKU {key}", "sku", "quantity")),
    Case("sb-units-growth", SB, "What was the growth in units in 2024?",
         growth("quantity", 2024), "Change in units sold, 2024 vs 2023", tol=1e-5),
    Case("sc-busiest-month", SC, "Which month was busiest?",
         lambda df: float(best_period("M", "orders")(df).max()), "Orders, "),
    Case("sc-least-popular", SC, "Which product line is least popular?",
         best("category", "quantity", lowest=True),
         best_key("Units sold of category {key}", "category", "quantity", lowest=True)),
    Case("ss-busiest-region", SS, "Which region is busiest?",
         best("Region", "orders"), best_key("Orders of region {key}", "Region", "orders")),
    Case("ss-popular-subcategory", SS, "What is the most popular sub-category?",
         best("Sub-Category", "quantity"),
         best_key("Units sold of sub category {key}", "Sub-Category", "quantity")),
    Case("ss-sales-grow-2017", SS, "How much did sales grow in 2017?",
         growth("revenue", 2017), "Change in revenue, 2017 vs 2016", tol=1e-5),
    Case("ss-state-grew", SS, "Which state grew the most in 2017?", refuse="grew"),
    Case("or-popular-country", OR, "Which country is the most popular?",
         best("Country", "quantity"),
         best_key("Units sold of country {key}", "Country", "quantity")),
    Case("or-busiest-day", OR, "What was the busiest day?",
         lambda df: float(best_period("D", "orders")(df).max()), "Orders, "),
    Case("sb-lyon-grenoble", SB, "Revenue in Lyon and Grenoble",
         where("Town", "Grenoble"), "Revenue of town Grenoble"),
    Case("sb-town-2024", SB, "Which town sold the most in 2024?",
         best("Town", "revenue", start="2024-01-01", end="2024-12-31"),
         best_key("Revenue of town {key}, 2024", "Town", "revenue",
                  start="2024-01-01", end="2024-12-31")),
    Case("sb-france-customers", SB, "How many customers in France?",
         distinct_where("customer", Country="France"),
         "Distinct customers for country France"),
    Case("sb-ontario-share", SB, "What share of revenue comes from Ontario?",
         share("Province", "Ontario"), "Share of revenue for province Ontario",
         tol=1e-6),
    Case("sb-toronto-units", SB, "units sold in toronto",
         where("Town", "Toronto", "quantity"), "Units sold for town Toronto"),
    Case("sb-quebec-city", SB, "What were sales in quebec city?",
         where("Town", "Québec"), "Revenue for town Québec"),
    # ---- Shop C: Sales Channel, Branch, Payment Type, Sales Rep, City, State;
    #      invoices with returned lines
    Case("sc-channel", SC, "Revenue by sales channel", where("Sales Channel", "Web"),
         "Revenue of sales channel Web"),
    Case("sc-branch-orders", SC, "Which branch had the most orders?",
         best("Branch", "orders"), best_key("Orders of branch {key}", "Branch",
                                            "orders")),
    Case("sc-store-profit", SC, "Which store made the most profit?",
         best("Branch", "profit"), best_key("Profit of branch {key}", "Branch",
                                            "profit")),
    Case("sc-card-share", SC, "What share of revenue was paid by credit card?",
         share("Payment Type", "Credit Card"),
         "Share of revenue for payment type Credit Card", tol=1e-6),
    Case("sc-cash-orders", SC, "How many orders were paid with cash in 2024?",
         orders("2024-01-01", "2024-12-31", **{"Payment Type": "Cash"}),
         "Orders for payment type Cash, 2024"),
    Case("sc-salesperson", SC, "Which salesperson sold the most in 2024?",
         best("Sales Rep", "revenue", start="2024-01-01", end="2024-12-31"),
         best_key("Revenue of sales rep {key}, 2024", "Sales Rep", "revenue",
                  start="2024-01-01", end="2024-12-31")),
    Case("sc-north-invoices", SC, "How many invoices did the North branch have?",
         orders(Branch="North"), "Orders for branch North"),
    Case("sc-aov-branch", SC, "Average order value by branch",
         lambda df: float(group_values("Branch", "aov")(df)["North"]),
         "Average order value of branch North"),
    Case("sc-texas", SC, "Revenue in Texas", where("State", "Texas"),
         "Revenue for state Texas"),
    Case("sc-city-margin", SC, "Which city has the best margin?",
         best("City", "margin"), best_key("Profit margin of city {key}", "City",
                                          "margin"), tol=1e-6),
    Case("sc-repeat", SC, "How many customers bought more than once?",
         repeat_customers, "Customers with more than one order"),
    Case("sc-payment-2024", SC, "Sales by payment type in 2024",
         where("Payment Type", "Cash", start="2024-01-01", end="2024-12-31"),
         "Revenue of payment type Cash, 2024"),
    Case("sc-san-jose", SC, "Revenue in San Jose", where("City", "San José"),
         "Revenue for city San José"),
    Case("sc-invoices-2024", SC, "How many invoices in 2024?",
         orders("2024-01-01", "2024-12-31"), "Orders, 2024"),
    Case("sc-lines-2024", SC, "How many transactions in 2024?",
         lines("2024-01-01", "2024-12-31"), "Transactions, 2024"),
    Case("sc-aov-q1", SC, "What was the average order value in Q1 2025?",
         aov("2025-01-01", "2025-03-31"), "Average order value, Q1 2025"),
    Case("sc-eric", SC, "Revenue for Eric", where("Sales Rep", "Éric"),
         "Revenue for sales rep Éric"),
    Case("sc-garden-california", SC, "Revenue from Garden in California",
         lambda df: float(df.loc[(df["category"] == "Garden")
                                 & (df["State"] == "California"), "revenue"].sum()),
         "Revenue for category Garden and state California"),
    Case("sc-web-phone", SC, "Compare web and phone", where("Sales Channel", "Phone"),
         "Revenue of sales channel Phone"),
    Case("sc-bank-2023", SC,
         "How much revenue came from Bank Transfer payments in 2023?",
         where("Payment Type", "Bank Transfer", start="2023-01-01", end="2023-12-31"),
         "Revenue for payment type Bank Transfer"),
    Case("sc-customers-paid", SC, "How much did customers pay by bank transfer?",
         where("Payment Type", "Bank Transfer"),
         "Revenue for payment type Bank Transfer"),
    Case("sc-region", SC, "Revenue by region", refuse="region"),
    Case("sc-shipping", SC, "What did we pay in shipping?", refuse="shipping"),
    Case("sc-seattle", SC, "Revenue in Seattle", refuse="seattle"),
    Case("sc-pay-2024", SC, "What did we pay in 2024?", refuse="pay"),
    Case("sc-satisfaction", SC, "Which sales rep has the happiest customers?",
         refuse="happiest"),
    # ---- named days of the week are a filter, never a ranking of the days
    Case("or-mondays", OR, "What was revenue on Mondays?", on_days((0,)),
         "Revenue on Mondays"),
    Case("ss-mondays", SS, "sales on Mondays", on_days((0,)), "Revenue on Mondays"),
    Case("ss-monday", SS, "How much revenue did we make on Monday?", on_days((0,)),
         "Revenue on Mondays"),
    Case("ss-mondays-per-day", SS, "What were sales on a Monday on average?",
         per_day_on((0,)), "Average revenue per day on Mondays"),
    Case("ss-weekends", SS, "total sales on weekends", on_days((5, 6)),
         "Revenue on weekend days"),
    Case("ss-weekend-2016", SS, "How much did we sell at the weekend in 2016?",
         on_days((5, 6), start="2016-01-01", end="2016-12-31"),
         "Revenue on weekend days, 2016"),
    Case("ss-saturday-profit", SS, "Profit on Saturdays in 2017",
         on_days((5,), "profit", start="2017-01-01", end="2017-12-31"),
         "Profit on Saturdays, 2017"),
    Case("ss-sundays-west", SS, "Revenue on Sundays in the West",
         on_days((6,), Region="West"), "Revenue on Sundays for region West"),
    Case("ss-weekdays-per-day", SS, "Average daily sales on weekdays in 2015",
         per_day_on((0, 1, 2, 3, 4), "2015-01-01", "2015-12-31"),
         "Average revenue per day on weekdays, 2015"),
    Case("ss-monday-best", SS, "Is Monday our strongest day?", best_weekday,
         "Average revenue per day"),
    Case("or-weekend", OR, "What were sales on weekends?", on_days((5, 6)),
         "Revenue on weekend days"),
    Case("sa-sunday-orders", SA, "How many orders on Sundays?",
         on_days((6,), "orders"), "Orders on Sundays"),
    Case("sa-weekdays-2024", SA, "Revenue on weekdays in 2024",
         on_days((0, 1, 2, 3, 4), start="2024-01-01", end="2024-12-31"),
         "Revenue on weekdays, 2024"),
    Case("sb-fridays", SB, "units sold on Fridays", on_days((4,), "quantity"),
         "Units sold on Fridays"),
    Case("wm-weekends", WM, "sales on weekends", refuse="one date per week"),
    Case("ss-last-monday", SS, "sales last Monday", refuse="give its date"),
    Case("ss-one-day", SS, "revenue on 25 December 2017",
         total("revenue", "2017-12-25", "2017-12-25"), "Revenue, 2017-12-25"),
    Case("ss-iso-day", SS, "What were sales on 2016-11-07?",
         total("revenue", "2016-11-07", "2016-11-07"), "Revenue, 2016-11-07"),
    Case("ss-day-range", SS, "revenue from 2017-01-01 to 2017-03-31",
         total("revenue", "2017-01-01", "2017-03-31"),
         "Revenue, 2017-01-01 to 2017-03-31"),
    Case("ss-returning-revenue-2017", SS, "revenue from returning customers in 2017",
         returning_customers("2017-01-01", "2017-12-31"), "Returning customers, 2017"),
    Case("ss-new-share-2017", SS, "What percentage of customers were new in 2017?",
         lambda df: new_customers("2017-01-01", "2017-12-31")(df)
         / _buyers(_rows(df, "2017-01-01", "2017-12-31", {}))["customer"].nunique(),
         "Share of new customers", tol=1e-5),
    Case("ss-top-products-mondays", SS, "Top 5 products on Mondays", refuse="Mondays"),
    # ---- customers: averages, repeat rate, new and returning (the Customers view)
    Case("ss-orders-per-customer", SS, "orders per customer", orders_per_customer(),
         "Orders per customer"),
    Case("ss-orders-each-customer", SS,
         "How many orders does each customer place on average?",
         orders_per_customer(), "Orders per customer"),
    Case("ss-revenue-per-customer", SS, "What is the average revenue per customer?",
         revenue_per_customer(), "Revenue per customer"),
    Case("ss-revenue-per-customer-2017", SS, "revenue per customer in 2017",
         revenue_per_customer("2017-01-01", "2017-12-31"),
         "Revenue per customer, 2017"),
    Case("ss-customer-spend-west", SS, "How much does a customer spend on average in "
         "the West?", revenue_per_customer(Region="West"),
         "Revenue per customer for region West"),
    Case("or-revenue-per-customer", OR, "average revenue per customer",
         revenue_per_customer(), "Revenue per customer"),
    Case("or-orders-per-customer", OR, "What is the average number of orders per "
         "customer?", orders_per_customer(), "Orders per customer"),
    Case("sa-spend-per-customer", SA, "What does the average customer spend?",
         revenue_per_customer(), "Revenue per customer"),
    Case("ss-customers-spend-average", SS, "How much do customers spend on average?",
         revenue_per_customer(), "Revenue per customer"),
    Case("ss-customers-spend-2017", SS, "How much did customers spend in 2017?",
         total("revenue", "2017-01-01", "2017-12-31"), "Revenue, 2017"),
    Case("ss-texas-customers-spend", SS, "How much did customers in Texas spend?",
         where("State", "Texas"), "Revenue for state Texas"),
    Case("sb-orders-per-customer", SB, "orders per customer", refuse="order id"),
    Case("wm-revenue-per-customer", WM, "revenue per customer", refuse="customer"),
    Case("ss-profit-per-customer", SS, "profit per customer", refuse="profit"),
    Case("ss-repeat-rate", SS, "What is the repeat rate?", repeat_rate,
         "Share of customers with more than one order", tol=1e-6),
    Case("or-repeat-rate", OR, "repeat customer rate", repeat_rate,
         "Share of customers with more than one order", tol=1e-6),
    Case("sc-repeat-rate", SC, "What's our repeat purchase rate?", repeat_rate,
         "Share of customers with more than one order", tol=1e-6),
    Case("ord-repeat-rate", ORD, "What is the repeat rate?", repeat_rate_days(),
         "Share of customers with more than one purchase day", tol=1e-6),
    Case("ord-repeat-rate-2011", ORD, "repeat customer rate in 2011",
         repeat_rate_days("2011-01-01", "2011-12-31"),
         "Share of customers with more than one purchase day, 2011", tol=1e-6),
    Case("ord-placed-orders", ORD, "How many customers placed more than one order?",
         refuse="order id"),
    Case("sb-repeat-march", SB, "What is the repeat rate in March 2024?",
         repeat_rate_days("2024-03-01", "2024-03-31"),
         "Share of customers with more than one purchase day, March 2024", tol=1e-6),
    # ---- retention (the Customers view's cohorts) and RFM segments
    Case("or-retention", OR, "What is our customer retention?", came_back(),
         "Share of customers who came back in a later month", tol=1e-5),
    Case("ss-retention-rate", SS, "retention rate", came_back(),
         "Share of customers who came back in a later month", tol=1e-5),
    Case("or-came-back-jan", OR, "How many customers from January 2011 came back?",
         came_back("2011-01-01", "2011-01-31", share=False),
         "Customers who came back in a later month, first purchase in January 2011"),
    Case("or-cohort-retention", OR, "cohort retention",
         came_back(next_month=True), "Share of customers retained the next month",
         tol=1e-5),
    Case("ss-cohort-2016", SS, "cohort retention in 2016",
         came_back("2016-01-01", "2016-12-31", next_month=True),
         "Share of customers retained the next month, first purchase in 2016",
         tol=1e-5),
    Case("or-at-risk", OR, "How many customers are at risk?", rfm_segment("At risk"),
         "Customers in segment At risk"),
    Case("ss-champions", SS, "Who are our champions?", rfm_segment("Champions"),
         "Customers in segment Champions"),
    Case("ss-champions-revenue", SS, "rfm analysis", rfm_segment("Champions", True),
         "Revenue of segment Champions"),
    Case("or-customer-segments", OR, "customer segments",
         rfm_segment("Hibernating"), "Customers in segment Hibernating"),
    Case("ss-customer-segments", SS, "customer segments", where("Segment", "Consumer"),
         "Revenue of segment Consumer"),
    Case("wm-retention", WM, "What is our customer retention?", refuse="customer"),
    Case("ss-new-2017", SS, "How many new customers in 2017?",
         new_customers("2017-01-01", "2017-12-31"), "New customers, 2017"),
    Case("or-new-2011", OR, "How many new customers in 2011?",
         new_customers("2011-01-01", "2011-12-31"), "New customers, 2011"),
    Case("ss-returning-2016", SS, "new vs returning customers in 2016",
         returning_customers("2016-01-01", "2016-12-31"), "Returning customers, 2016"),
    Case("ss-new-revenue-2017", SS, "Revenue from new customers in 2017",
         new_customers("2017-01-01", "2017-12-31", revenue=True),
         "Revenue of new customers, 2017"),
    Case("sa-first-time-2024", SA, "first-time customers in 2024",
         new_customers("2024-01-01", "2024-12-31"), "New customers, 2024"),
    Case("sb-new-march", SB, "How many new clients did we get in March 2024?",
         new_customers("2024-03-01", "2024-03-31"), "New customers, March 2024"),
    Case("fs-new-customers", FS, "How many new customers?", refuse="customer"),
    # ---- the average price per unit (revenue / units)
    Case("or-unit-price", OR, "What is the average unit price?", price_per_unit(),
         "Average price per unit"),
    Case("or-price-2011", OR, "average price per unit in 2011",
         price_per_unit("2011-01-01", "2011-12-31"), "Average price per unit, 2011"),
    Case("ss-selling-price", SS, "What is the average selling price?",
         price_per_unit(), "Average price per unit"),
    Case("wm-unit-price", WM, "What is the average unit price?", refuse="quantity"),
)  # fmt: skip
IDS = [case.id for case in BANK]
REFUSALS = ("not_covered", "out_of_scope", "unknown_sku")


def ask(case: Case) -> ChatAnswer:
    frame, model = dataset(case.data)
    return answer(frame, case.question, source_columns=model)


def outcome(case: Case, result: ChatAnswer) -> str:
    """'right', 'refused' or 'wrong' (see the module docstring)."""
    numeric = [f for f in result.facts if isinstance(f.value, (int, float))]
    if result.intent in REFUSALS or not numeric:
        return "refused"
    if case.expected is None:
        return "wrong"
    frame, _ = dataset(case.data)
    expected = case.expected(frame)
    label = case.label(frame) if callable(case.label) else case.label
    matches = [
        f
        for f in numeric
        if (label is None or f.label.startswith(label))
        and abs(float(f.value) - expected) <= case.tol
    ]
    if matches and any(f.display in result.answer for f in matches):
        return "right"
    return "wrong"


needs_real = pytest.mark.skipif(not REAL, reason="shared/data is not available")


def bank_cases() -> list[Any]:
    out = []
    for case in BANK:
        marks = [] if case.data in (SA, SB, SC) else [needs_real]
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


def test_the_bank_is_large_and_varied() -> None:
    assert len(BANK) >= 80
    assert len({case.data for case in BANK}) >= 5
    assert sum(case.refuse is not None for case in BANK) >= 15


@pytest.mark.parametrize("case", bank_cases())
def test_each_question_is_answered_right_or_refused_with_the_reason(case: Case) -> None:
    result = ask(case)
    got = outcome(case, result)
    assert got != "wrong", f"{case.id}: answered a different question:\n{result.answer}"
    if case.refuse is not None:
        assert got == "refused", f"{case.id}: should be refused:\n{result.answer}"
        assert case.refuse.lower() in result.answer.lower(), result.answer
        assert "I can answer, for example" in result.answer or result.intent != (
            "not_covered"
        )


@needs_real
def test_score_over_the_whole_bank() -> None:
    """No answer to a different question; at least 90 % right among the answerable."""
    counts = {"right": 0, "refused": 0, "wrong": 0}
    answerable = right = 0
    for case in BANK:
        got = outcome(case, ask(case))
        counts[got] += 1
        if case.refuse is None:
            answerable += 1
            right += got == "right"
    print(f"question bank: {counts} of {len(BANK)}")
    assert counts["wrong"] == 0
    assert right / answerable >= 0.9


def test_suggested_questions_in_refusals_are_answerable() -> None:
    frame, model = dataset(SB)
    result = answer(frame, "Revenue in Vancouver", source_columns=model)
    offered = [
        line[2:] for line in result.answer.splitlines() if line.startswith("- ")
    ][-3:]
    assert len(offered) == 3
    for question in offered:
        follow = answer(frame, question, source_columns=model)
        assert follow.intent not in REFUSALS, question


@functools.cache
def ingested_superstore() -> tuple[pd.DataFrame, list[dict[str, Any]], pd.DataFrame]:
    """The real Superstore file through ingestion (frame and dataset model), and the raw
    file read with plain pandas."""
    from analytics.ingest import ingest_bytes

    path = DATA_DIR / "superstore_classic_cp1252.csv"
    result = ingest_bytes(path.read_bytes(), path.name)
    raw = pd.read_csv(path, encoding="cp1252")
    raw["Order Date"] = pd.to_datetime(raw["Order Date"], format="%m/%d/%Y")
    return result.frame, result.report["columns"], raw


INGESTED: tuple[tuple[str, str, Callable[[pd.DataFrame], float]], ...] = (
    ("Which region made the most profit?", "Profit of region West",
     lambda raw: raw.loc[raw["Region"] == "West", "Profit"].sum()),
    ("What were sales in the West in 2017?", "Revenue for region West, 2017",
     lambda raw: raw.loc[(raw["Region"] == "West")
                         & (raw["Order Date"].dt.year == 2017), "Sales"].sum()),
    ("How many orders in 2016?", "Orders, 2016",
     lambda raw: raw.loc[raw["Order Date"].dt.year == 2016, "Order ID"].nunique()),
    ("What's the average order value?", "Average order value",
     lambda raw: raw["Sales"].sum() / raw["Order ID"].nunique()),
    ("Revenue for Claire Gute", "Revenue for customer name Claire Gute",
     lambda raw: raw.loc[raw["Customer Name"] == "Claire Gute", "Sales"].sum()),
    ("How many orders did First Class ship in 2017?",
     "Orders for ship mode First Class, 2017",
     lambda raw: raw.loc[(raw["Ship Mode"] == "First Class")
                         & (raw["Order Date"].dt.year == 2017), "Order ID"].nunique()),
)  # fmt: skip


@needs_real
@pytest.mark.parametrize(("question", "label", "expected"), INGESTED)
def test_the_ingested_superstore_file(question: str, label: str, expected) -> None:
    """The path the app takes: ingestion keeps the dimensions, the order id and the
    dataset model, and the chat reads them."""
    frame, model, raw = ingested_superstore()
    result = answer(frame, question, source_columns=model)
    value = float(expected(raw))
    facts = [f for f in result.facts if f.label.startswith(label)]
    assert facts, [f.label for f in result.facts]
    assert facts[0].value == pytest.approx(value, abs=0.01)
    assert facts[0].display in result.answer


@needs_real
@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("What were sales in Canada?", "canada"),
        ("How much did discounts cost us?", "Discount"),
        ("Revenue by product name", "Product Name"),
        ("Revenue by ship date", "Ship Date"),
    ],
)
def test_the_ingested_superstore_file_refusals(question: str, missing: str) -> None:
    frame, model, _ = ingested_superstore()
    result = answer(frame, question, source_columns=model)
    assert result.intent == "not_covered"
    assert missing.lower() in result.answer.lower()


@functools.cache
def ingested_online_retail() -> tuple[pd.DataFrame, list[dict[str, Any]], pd.DataFrame]:
    """The real Online Retail sample through ingestion, and the raw file with plain
    pandas (revenue = Quantity × UnitPrice, cancellations included)."""
    from analytics.ingest import ingest_bytes

    path = DATA_DIR / "online_retail_uci_sample.csv"
    result = ingest_bytes(path.read_bytes(), path.name)
    raw = pd.read_csv(path, dtype={"StockCode": "str", "InvoiceNo": "str"})
    raw["date"] = pd.to_datetime(raw["InvoiceDate"], format="%m/%d/%Y %H:%M")
    raw["revenue"] = raw["Quantity"] * raw["UnitPrice"]
    return result.frame, result.report["columns"], raw


def _or_buyers(raw: pd.DataFrame) -> pd.DataFrame:
    return raw.loc[raw["CustomerID"].notna() & (raw["revenue"] > 0)]


def _or_new_2011(raw: pd.DataFrame) -> float:
    first = _or_buyers(raw).groupby("CustomerID")["date"].min()
    return float((first.dt.year == 2011).sum())


INGESTED_RETAIL: tuple[tuple[str, str, Callable[[pd.DataFrame], float]], ...] = (
    ("What was revenue on Mondays?", "Revenue on Mondays",
     lambda raw: raw.loc[raw["date"].dt.day_of_week == 0, "revenue"].sum()),
    ("What is the average unit price?", "Average price per unit",
     lambda raw: raw["revenue"].sum() / raw["Quantity"].sum()),
    ("average revenue per customer", "Revenue per customer",
     lambda raw: raw.loc[raw["CustomerID"].notna(), "revenue"].sum()
     / raw["CustomerID"].nunique()),
    ("orders per customer", "Orders per customer",
     lambda raw: len(_or_buyers(raw)[["CustomerID", "InvoiceNo"]].drop_duplicates())
     / _or_buyers(raw)["CustomerID"].nunique()),
    ("What is the repeat rate?", "Share of customers with more than one order",
     lambda raw: (_or_buyers(raw).groupby("CustomerID")["InvoiceNo"].nunique() >= 2)
     .mean()),
    ("How many new customers in 2011?", "New customers, 2011", _or_new_2011),
)  # fmt: skip


@needs_real
@pytest.mark.parametrize(("question", "label", "expected"), INGESTED_RETAIL)
def test_the_ingested_online_retail_file(question: str, label: str, expected) -> None:
    """What ingestion keeps of the Online Retail file (its UnitPrice, CustomerID and
    InvoiceNo) answers these questions with the raw file's figures."""
    frame, model, raw = ingested_online_retail()
    result = answer(frame, question, source_columns=model)
    value = float(expected(raw))
    facts = [f for f in result.facts if f.label.startswith(label)]
    assert facts, (result.intent, [f.label for f in result.facts])
    assert facts[0].value == pytest.approx(value, abs=0.01 if abs(value) > 1 else 1e-5)
    assert facts[0].display in result.answer
