"""Customer figures of a canonical frame: new vs returning revenue per month, repeat
rate, orders per customer, revenue per customer, top customers, cohort retention and
RFM segments.

Pure (no Dash/Flask) and vectorised. Definitions:

- Only lines with a customer id count; the lines without one (and their revenue) are
  reported in ``coverage`` so the figures never pretend to cover them.
- A *purchase* is a line with a positive amount. An *order* is a distinct order id among
  a customer's purchases when the frame has order ids on at least 99 % of the customer
  lines; otherwise the unit is the *line* (``unit`` says which), and repeat rate and RFM
  frequency use distinct purchase days instead (several lines of one day are one visit).
- A customer's first month is the month of their first purchase in the data (customers
  who bought before the file starts look new in its first months). Revenue of a month is
  *new* when it is the customer's first month, *returning* after it; net revenue (returns
  included) of customers without any purchase is counted as returning.
- Repeat rate: customers with more than one order (or purchase day) / customers with a
  purchase.
- Cohort retention: of the customers whose first purchase is in month m, the share with a
  purchase k months later.
- RFM: recency = days from the customer's last purchase to the last date of the data;
  frequency = orders (or purchase days); monetary = net revenue. Each becomes a score
  1–5 = ceil(5 × percentile rank) (ties share a rank, recency ranked so recent is high);
  segments are named from the scores by ``SEGMENT_RULES``, first match wins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.schema import CUSTOMER, DATE, ORDER, REVENUE

#: Share of the customer lines that must carry an order id for orders to be counted.
MIN_ORDER_COVERAGE = 0.99

#: Top customers listed.
TOP_CUSTOMERS = 20

#: (segment, rule on the R, F, M scores); evaluated in order, the first match wins.
SEGMENT_RULES: tuple[tuple[str, str], ...] = (
    ("Champions", "R ≥ 4 and F ≥ 4"),
    ("Loyal", "R ≥ 3 and F ≥ 3"),
    ("Can't lose them", "R ≤ 2 and F ≥ 4 and M ≥ 4"),
    ("At risk", "R ≤ 2 and F ≥ 3"),
    ("New or promising", "R ≥ 4"),
    ("Needs attention", "R = 3"),
    ("Hibernating", "R ≤ 2"),
)
SEGMENTS: tuple[str, ...] = tuple(name for name, _ in SEGMENT_RULES)


@dataclass(frozen=True)
class CustomerView:
    """Everything the Customers section shows (see module docstring)."""

    unit: str  # "orders" or "lines"
    repeat_basis: str  # "orders" or "purchase days"
    customers: int
    repeat_customers: int
    repeat_rate: float | None
    orders_per_customer: float | None
    revenue_per_customer: float | None
    coverage: dict
    monthly: pd.DataFrame  # month, new, returning, new_customers
    top: pd.DataFrame  # customer, revenue, orders, first, last, recent, previous, trend
    cohorts: pd.DataFrame  # index first month, columns months since: share retained
    cohort_sizes: pd.Series  # customers per first month
    rfm: (
        pd.DataFrame
    )  # per customer: recency_days, frequency, monetary, r, f, m, segment
    segments: pd.DataFrame  # segment, rule, customers, revenue, share_of_revenue
    notes: tuple[str, ...]


def has_customers(frame: pd.DataFrame) -> bool:
    """Whether the frame has any customer ids (the Customers view is shown)."""
    return CUSTOMER in frame and bool(frame[CUSTOMER].notna().any())


def _month_start(months: np.ndarray) -> pd.DatetimeIndex:
    """First days of months given as months since 1970-01."""
    return pd.DatetimeIndex(
        np.asarray(months, dtype="int64")
        .astype("datetime64[M]")
        .astype("datetime64[ns]")
    )


def _dates(days: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Days since 1970 as datetime64 (NaT where not ``valid``)."""
    out = np.where(valid, days, 0).astype("datetime64[D]").astype("datetime64[ns]")
    out[~valid] = np.datetime64("NaT")
    return out


def _distinct_pairs(first: np.ndarray, second: np.ndarray, n: int) -> np.ndarray:
    """Per value of ``first`` (0..n-1), how many distinct ``second`` (ints ≥ 0) it has."""
    if not len(first):
        return np.zeros(n, dtype="int64")
    width = int(second.max()) + 1
    pairs = pd.unique(first * width + second)
    return np.bincount(pairs // width, minlength=n)


def score(values: pd.Series, *, high_is_good: bool = True) -> pd.Series:
    """Quintile score 1–5: ceil(5 × average rank / n); ties share a score."""
    ranked = (values if high_is_good else -values).rank(method="average", pct=True)
    return np.ceil(ranked * 5).clip(1, 5).astype("int64")


def segment_of(r: pd.Series, f: pd.Series, m: pd.Series) -> pd.Series:
    """Segment names from the R, F, M scores (``SEGMENT_RULES``)."""
    index = r.index
    r, f, m = np.asarray(r), np.asarray(f), np.asarray(m)
    conditions = [
        (r >= 4) & (f >= 4),
        (r >= 3) & (f >= 3),
        (r <= 2) & (f >= 4) & (m >= 4),
        (r <= 2) & (f >= 3),
        r >= 4,
        r == 3,
        r <= 2,
    ]
    chosen = np.select(
        conditions, list(range(len(SEGMENTS))), default=len(SEGMENTS) - 1
    )
    return pd.Series(np.asarray(SEGMENTS, dtype=object)[chosen], index=index)


def customer_view(frame: pd.DataFrame, *, top: int = TOP_CUSTOMERS) -> CustomerView:
    """The customer figures of ``frame`` (a canonical frame, already filtered)."""
    n_all = len(frame)
    known = frame[CUSTOMER].notna().to_numpy() if CUSTOMER in frame else np.zeros(0)
    if CUSTOMER not in frame:
        known = np.zeros(n_all, dtype=bool)
    rows = frame.loc[known] if not known.all() else frame
    rows = rows[rows[DATE].notna()] if DATE in rows else rows.iloc[:0]
    revenue_all = float(frame[REVENUE].sum()) if n_all else 0.0
    coverage = {
        "lines": int(n_all),
        "lines_with_customer": int(len(rows)),
        "revenue": round(revenue_all, 2),
        "revenue_with_customer": round(float(rows[REVENUE].sum()), 2),
    }
    notes: list[str] = []
    if len(rows) < n_all:
        left = n_all - len(rows)
        notes.append(
            f"{left:,} of {n_all:,} lines have no customer id (or no date) and are left "
            f"out of the customer figures (revenue {revenue_all - coverage['revenue_with_customer']:,.2f})."
        )

    codes, names = pd.factorize(rows[CUSTOMER], sort=True)
    codes = np.asarray(codes, dtype="int64")
    n_cust = len(names)
    revenue = rows[REVENUE].to_numpy("float64")
    day = rows[DATE].to_numpy("datetime64[D]").astype("int64")  # days since 1970
    month = rows[DATE].to_numpy("datetime64[M]").astype("int64")  # months since 1970
    bought = revenue > 0

    use_orders = (
        ORDER in rows
        and len(rows) > 0
        and float(rows[ORDER].notna().mean()) >= MIN_ORDER_COVERAGE
    )
    unit = "orders" if use_orders else "lines"
    repeat_basis = "orders" if use_orders else "purchase days"

    idx = pd.Index(names, name="customer")
    bc, bday, bmonth = codes[bought], day[bought], month[bought]
    day0 = int(bday.min()) if len(bday) else 0
    if use_orders:
        order_codes = np.asarray(pd.factorize(rows[ORDER])[0], dtype="int64")[bought]
        units = _distinct_pairs(bc, order_codes, n_cust)
        visits = units
    else:
        units = np.bincount(bc, minlength=n_cust)
        visits = _distinct_pairs(bc, bday - day0, n_cust)
    net = np.bincount(codes, weights=revenue, minlength=n_cust)
    has = visits > 0
    first_day = np.full(n_cust, np.iinfo("int64").max)
    last_day = np.full(n_cust, np.iinfo("int64").min)
    np.minimum.at(first_day, bc, bday)
    np.maximum.at(last_day, bc, bday)
    first_month = np.full(n_cust, -1, dtype="int64")
    first_month[has] = (
        first_day[has].astype("datetime64[D]").astype("datetime64[M]").astype("int64")
    )

    purchasers = int(has.sum())
    repeaters = int((visits > 1).sum())
    repeat_rate = repeaters / purchasers if purchasers else None
    orders_per = float(units.sum()) / purchasers if purchasers else None
    per_customer = float(net.sum()) / n_cust if n_cust else None

    # new vs returning revenue per month
    is_new = month == first_month[codes] if n_cust else np.zeros(0, dtype=bool)
    months = np.unique(month)
    pos = np.searchsorted(months, month)
    new_rev = np.bincount(pos[is_new], weights=revenue[is_new], minlength=len(months))
    ret_rev = np.bincount(pos[~is_new], weights=revenue[~is_new], minlength=len(months))
    firsts = first_month[has]
    new_count = np.bincount(
        np.searchsorted(months, firsts[np.isin(firsts, months)]), minlength=len(months)
    )
    monthly = pd.DataFrame(
        {
            "month": _month_start(months),
            "new": np.round(new_rev, 2),
            "returning": np.round(ret_rev, 2),
            "new_customers": new_count.astype("int64"),
        }
    )

    # cohort retention: distinct (customer, month) purchases by first month and age
    if len(bc):
        m0 = int(bmonth.min())
        span = int(bmonth.max()) - m0 + 1
        pairs = pd.unique(bc * span + (bmonth - m0))
        pc, pm = pairs // span, pairs % span + m0
        start = first_month[pc]
        cohort_ids = np.unique(start)
        row = np.searchsorted(cohort_ids, start)
        since = pm - start
        width = int(since.max()) + 1
        grid = np.bincount(
            row * width + since, minlength=len(cohort_ids) * width
        ).reshape(len(cohort_ids), width)
        sizes = pd.Series(grid[:, 0], index=_month_start(cohort_ids), name="customers")
        share = grid / grid[:, [0]]
        # months not yet observable for a cohort are NaN, not 0 %
        age = int(month.max()) - cohort_ids
        share = np.where(np.arange(width)[None, :] <= age[:, None], share, np.nan)
        cohorts = pd.DataFrame(share, index=sizes.index, columns=np.arange(width))
        cohorts.index.name = sizes.index.name = "cohort"
        cohorts.columns.name = "months_since"
    else:
        cohorts = pd.DataFrame()
        sizes = pd.Series(dtype="int64")

    # RFM (customers with at least one purchase)
    end_day = int(day.max()) if len(rows) else None
    if has.any():
        rfm = pd.DataFrame(
            {
                "recency_days": end_day - last_day[has],
                "frequency": visits[has].astype("int64"),
                "monetary": net[has],
            },
            index=idx[has],
        )
        rfm["r"] = score(rfm["recency_days"], high_is_good=False)
        rfm["f"] = score(rfm["frequency"])
        rfm["m"] = score(rfm["monetary"])
        rfm["segment"] = segment_of(rfm["r"], rfm["f"], rfm["m"])
    else:
        rfm = pd.DataFrame(
            columns=["recency_days", "frequency", "monetary", "r", "f", "m", "segment"]
        )
    grouped = rfm.groupby("segment")["monetary"].agg(["size", "sum"])
    grouped = grouped.reindex(list(SEGMENTS), fill_value=0)
    total_rfm = float(grouped["sum"].sum())
    segments = pd.DataFrame(
        {
            "segment": list(SEGMENTS),
            "rule": [rule for _, rule in SEGMENT_RULES],
            "customers": grouped["size"].to_numpy().astype("int64"),
            "revenue": np.round(grouped["sum"].to_numpy("float64"), 2),
            "share_of_revenue": (
                grouped["sum"].to_numpy("float64") / total_rfm
                if total_rfm
                else np.full(len(SEGMENTS), np.nan)
            ),
        }
    )

    # top customers, with their trend: net revenue of the last 90 days of the data vs
    # the 90 days before ("none" without either, "new" / "lapsed" with one only, "up" /
    # "down" beyond ±10 %, else "flat")
    order = np.argsort(-net, kind="stable")[:top]
    if n_cust and end_day is not None:
        age_days = end_day - day
        recent = np.bincount(codes, weights=revenue * (age_days < 90), minlength=n_cust)
        previous = np.bincount(
            codes,
            weights=revenue * ((age_days >= 90) & (age_days < 180)),
            minlength=n_cust,
        )
    else:
        recent = previous = np.zeros(n_cust)
    trend = np.select(
        [
            (recent <= 0) & (previous <= 0),
            (recent > 0) & (previous <= 0),
            (recent <= 0) & (previous > 0),
            recent > previous * 1.1,
            recent < previous * 0.9,
        ],
        ["none", "new", "lapsed", "up", "down"],
        default="flat",
    )
    top_frame = pd.DataFrame(
        {
            "customer": idx[order],
            "revenue": np.round(net[order], 2),
            unit: units[order].astype("int64"),
            "first": _dates(first_day[order], has[order]),
            "last": _dates(last_day[order], has[order]),
            "last_90_days": np.round(recent[order], 2),
            "previous_90_days": np.round(previous[order], 2),
            "trend": trend[order],
        }
    )
    if not use_orders:
        notes.append(
            "The file has no order id: orders per customer counts lines, and repeat "
            "rate and RFM frequency count the days a customer bought."
        )
    return CustomerView(
        unit=unit,
        repeat_basis=repeat_basis,
        customers=int(n_cust),
        repeat_customers=repeaters,
        repeat_rate=repeat_rate,
        orders_per_customer=orders_per,
        revenue_per_customer=per_customer,
        coverage=coverage,
        monthly=monthly,
        top=top_frame,
        cohorts=cohorts,
        cohort_sizes=sizes,
        rfm=rfm,
        segments=segments,
        notes=tuple(notes),
    )


def _iso(value) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _num(value, digits: int = 2):
    return None if value is None or pd.isna(value) else round(float(value), digits)


def summary_json(view: CustomerView) -> dict:
    """The JSON of a customer view (README, ``/api/customers``)."""
    return {
        "unit": view.unit,
        "repeat_basis": view.repeat_basis,
        "customers": view.customers,
        "repeat_customers": view.repeat_customers,
        "repeat_rate": _num(view.repeat_rate, 4),
        "orders_per_customer": _num(view.orders_per_customer, 2),
        "revenue_per_customer": _num(view.revenue_per_customer, 2),
        "coverage": view.coverage,
        "monthly": [
            {
                "month": _iso(r.month),
                "new": r.new,
                "returning": r.returning,
                "new_customers": int(r.new_customers),
            }
            for r in view.monthly.itertuples()
        ],
        "top": [
            {
                "customer": str(r["customer"]),
                "revenue": r["revenue"],
                view.unit: int(r[view.unit]),
                "first": _iso(r["first"]),
                "last": _iso(r["last"]),
                "last_90_days": r["last_90_days"],
                "previous_90_days": r["previous_90_days"],
                "trend": r["trend"],
            }
            for r in view.top.to_dict("records")
        ],
        "cohorts": {
            "months": [_iso(m) for m in view.cohorts.index],
            "sizes": [int(s) for s in view.cohort_sizes],
            "retention": [
                [_num(v, 4) for v in row] for row in view.cohorts.to_numpy().tolist()
            ],
        },
        "segments": [
            {
                "segment": r["segment"],
                "rule": r["rule"],
                "customers": int(r["customers"]),
                "revenue": float(r["revenue"]),
                "share_of_revenue": _num(r["share_of_revenue"], 4),
            }
            for r in view.segments.to_dict("records")
        ],
        "notes": list(view.notes),
    }


def rfm_table(view: CustomerView) -> pd.DataFrame:
    """Per-customer RFM table for the CSV export."""
    out = view.rfm.reset_index()
    out = out.rename(
        columns={
            "customer": "Customer",
            "recency_days": "Days since last purchase",
            "frequency": f"Frequency ({view.repeat_basis})",
            "monetary": "Net revenue",
            "r": "R score",
            "f": "F score",
            "m": "M score",
            "segment": "Segment",
        }
    )
    out["Net revenue"] = out["Net revenue"].round(2)
    return out
