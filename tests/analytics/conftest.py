"""Small canonical-frame fixtures shared by the analytics tests."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from analytics.schema import DATE, conform_canonical


def build_canonical(**columns: object) -> pd.DataFrame:
    """A canonical frame from column lists; ``date`` strings are ISO dates (or None)."""
    frame = pd.DataFrame(columns)
    if DATE in frame:
        frame[DATE] = pd.to_datetime(frame[DATE], format="ISO8601")
    return conform_canonical(frame)


@pytest.fixture
def make_canonical() -> Callable[..., pd.DataFrame]:
    """``make_canonical(date=[...], revenue=[...], sku=[...])`` → canonical frame."""
    return build_canonical


@pytest.fixture
def small_sales() -> pd.DataFrame:
    """Eight transactions over January-February 2024, three SKUs, two categories.

    ===========  =====  =======  ====  ======  ===  ========  ========
    date         sku    revenue  cost  profit  qty  category  customer
    ===========  =====  =======  ====  ======  ===  ========  ========
    2024-01-03   A-1    100      60    40      2    Tools     c1
    2024-01-10   A-1    100      60    40      2    Tools     c2
    2024-01-20   B-2    50       55    -5      1    Toys      c1
    2024-01-31   C-3    30       10    20      3    Tools     c3
    2024-02-02   A-1    200      120   80      4    Tools     c2
    2024-02-14   B-2    50       55    -5      1    Toys      c3
    2024-02-20   C-3    10       5     5       1    (none)    c1
    2024-02-29   B-2    40       44    -4      1    Toys      c2
    ===========  =====  =======  ====  ======  ===  ========  ========
    """
    return build_canonical(
        date=[
            "2024-01-03", "2024-01-10", "2024-01-20", "2024-01-31",
            "2024-02-02", "2024-02-14", "2024-02-20", "2024-02-29",
        ],
        revenue=[100.0, 100.0, 50.0, 30.0, 200.0, 50.0, 10.0, 40.0],
        cost=[60.0, 60.0, 55.0, 10.0, 120.0, 55.0, 5.0, 44.0],
        profit=[40.0, 40.0, -5.0, 20.0, 80.0, -5.0, 5.0, -4.0],
        quantity=[2, 2, 1, 3, 4, 1, 1, 1],
        sku=["A-1", "A-1", "B-2", "C-3", "A-1", "B-2", "C-3", "B-2"],
        category=["Tools", "Tools", "Toys", "Tools", "Tools", "Toys", None, "Toys"],
        customer=["c1", "c2", "c1", "c3", "c2", "c3", "c1", "c2"],
    )  # fmt: skip
