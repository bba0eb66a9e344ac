"""A share link made from a dashboard filtered on a column (Region: West) shows that
column's rows only, also after the viewer changes the dates; the report links the
dashboard offers carry the column filters."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import pytest

from callbacks.report import report_links
from components.filters import filter_state
from services.share import create_share
from services.views import Filters
from tests.conftest import module_client, new_session, transactions_frame
from web.extensions import extensions


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return module_client(tmp_path_factory)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    frame = transactions_frame(rows=300, days=300)
    frame["Region"] = np.random.default_rng(2).choice(["West", "East"], len(frame))
    return frame


@pytest.fixture(scope="module")
def sid(client, frame) -> str:
    return new_session(client, frame, "regions.csv")


def test_share_link_keeps_the_column_filter(client, sid, frame):
    store = extensions(client.application).store
    token, share = create_share(
        store, sid, Filters.from_inputs(dimensions={"Region": ["West"]})
    )
    assert dict(share.filters.dimensions) == {"Region": ("West",)}
    west = frame[frame["Region"] == "West"]
    html = client.get(f"/view/{token}").get_data(as_text=True)
    assert f"${west['Revenue'].sum():,.2f}" in html
    assert "Region: West" in html
    start = "2023-03-01"
    later = west[west["Date"] >= start]
    html = client.get(f"/view/{token}?start={start}").get_data(as_text=True)
    assert f"${later['Revenue'].sum():,.2f}" in html


def test_report_links_carry_the_column_filters(client, sid, frame):
    links = report_links(
        sid,
        filter_state(None, None, ["Hardware"], None, {"Region": ["East"]}),
        "month",
        False,
        None,
    )
    query = parse_qs(urlparse(links[0]).query)
    assert query["filter"] == ["Region:East"] and query["category"] == ["Hardware"]
    markdown = client.get(links[2])
    assert markdown.status_code == 200
    east = frame[(frame["Region"] == "East") & (frame["Category"] == "Hardware")]
    assert f"{east['Revenue'].sum():,.2f}" in markdown.get_data(as_text=True)
