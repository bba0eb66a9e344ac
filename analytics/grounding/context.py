"""What a canonical frame holds (dates, SKUs, categories, cost...), for parsing and answers."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.grounding.periods import (
    Period,
)
from analytics.schema import (
    CATEGORY,
    COST,
    CUSTOMER,
    DATE,
    PROFIT,
    QUANTITY,
    SKU,
)


@dataclass(frozen=True)
class DataContext:
    """What the data holds, for parsing and for choosing operations."""

    rows: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    #: Last day the data speaks for (month end for monthly data, week end for weekly).
    covered_to: pd.Timestamp | None
    skus: pd.Index  # distinct SKUs, original spelling
    categories: pd.Index
    has_profit: bool
    has_cost: bool
    has_quantity: bool
    has_customer: bool
    #: How the dates are spaced: "day" (transactions), "week" or "month" (exports).
    sampling: str = "day"
    #: Lines carry an order / invoice id (column ``order_id``), so orders can be counted.
    has_orders: bool = False
    #: The filters the rows were narrowed to before the question was asked (the
    #: dashboard's, e.g. "Region West"); empty when the rows are the whole file.
    view: str = ""

    @property
    def has_dates(self) -> bool:
        return self.first is not None

    @property
    def has_sku(self) -> bool:
        return len(self.skus) > 0

    @property
    def has_category(self) -> bool:
        return len(self.categories) > 0

    def span(self) -> str:
        if self.first is None or self.covered_to is None:
            return "all rows (no dates)"
        return f"{self.first:%Y-%m-%d} to {self.covered_to:%Y-%m-%d}"

    def where(self, period: Period | None = None, everything: str = "all dates") -> str:
        """The scope an answer names: ``period``'s label, or ``everything`` with the
        span of the data; with the filters in :attr:`view` named too, so an answer
        under dashboard filters never reads as the whole file's.

        ``everything=""`` gives the bare span when there is no period.
        """
        if period is not None:
            return f"{period.label} ({self.view})" if self.view else period.label
        if self.view:
            if f"dates {self.span()}" in self.view:  # the span adds nothing
                return f"your selection ({self.view})"
            return f"your selection ({self.view}; {self.span()})"
        return f"{everything} ({self.span()})" if everything else self.span()

    def covers(self, period: Period) -> bool:
        """True when the data reaches (within a tenth of its length) both ends of ``period``."""
        if self.first is None or self.covered_to is None:
            return False
        slack = pd.Timedelta(days=max(1, period.days() // 10))
        return (
            self.first <= period.start + slack and self.covered_to >= period.end - slack
        )

    def overlaps(self, period: Period) -> bool:
        if self.first is None or self.covered_to is None:
            return False
        return self.first <= period.end and self.covered_to >= period.start


def data_context(df: pd.DataFrame, view: str = "") -> DataContext:
    """What ``df`` holds; ``view`` names the filters it was already narrowed to."""
    dates = df[DATE]
    known = dates.dropna()
    first = last = covered = None
    sampling = "day"
    if len(known):
        first, last = known.min().normalize(), known.max().normalize()
        days = pd.DatetimeIndex(pd.unique(known.to_numpy())).normalize().unique()
        covered = last
        if len(days) >= 2 and bool(days.is_month_start.all()):
            covered = last + pd.offsets.MonthEnd(0)
            sampling = "month"
        elif len(days) >= 2 and days.day_of_week.nunique() == 1:
            covered = last + pd.Timedelta(days=6)
            sampling = "week"
    skus = pd.Index(df[SKU].unique(), dtype="str").dropna()
    categories = pd.Index(df[CATEGORY].unique(), dtype="str").dropna()
    return DataContext(
        rows=len(df),
        first=first,
        last=last,
        covered_to=covered,
        skus=skus,
        categories=categories,
        has_profit=bool(df[PROFIT].notna().any()),
        has_cost=bool(df[COST].notna().any()),
        has_quantity=bool(df[QUANTITY].notna().any()),
        has_customer=bool(df[CUSTOMER].notna().any()),
        sampling=sampling,
        has_orders=bool("order_id" in df.columns and df["order_id"].notna().any()),
        view=str(view or "").strip(),
    )


# --------------------------------------------------------------------------- parsing
