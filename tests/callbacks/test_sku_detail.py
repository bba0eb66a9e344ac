"""The SKU drill-down panel, called directly: score with its band word, few-sales note."""

from __future__ import annotations

import pandas as pd
import pytest

from callbacks.sku import show_sku_detail
from tests.conftest import upload

ALL = (None,)  # the page's filter dict: no filter


@pytest.fixture
def sid(client):
    # A [10 × 4] scores 60 (Medium); B sold once and scores 40 (Medium).
    frame = pd.DataFrame(
        {
            "Date": pd.date_range("2024-01-01", periods=8).strftime("%Y-%m-%d"),
            "SKU": ["A", "A", "A", "A", "D", "C", "C", "B"],
            "Revenue": [10, 10, 10, 10, 100, 10, 30, 100],
        }
    )
    return upload(client, frame.to_csv(index=False).encode()).get_json()["session_id"]


def _text(children) -> str:
    return str([c.to_plotly_json() for c in children])


def test_panel_shows_score_band_word_and_rank(app, sid):
    with app.server.test_request_context("/"):
        is_open, body, title = show_sku_detail("A", sid, *ALL)
    assert (is_open, title) == (True, "SKU A")
    text = _text(body)
    assert "60.0 · Medium" in text
    assert "rank 1 of 4" in text
    assert "few sales" not in text


def test_panel_marks_a_sku_with_few_sales(app, sid):
    with app.server.test_request_context("/"):
        _, body, _ = show_sku_detail("B", sid, *ALL)
    text = _text(body)
    assert "40.0 · Medium" in text
    assert "few sales (1)" in text
