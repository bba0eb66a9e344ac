"""The query engine: filters, group-bys, orders, time grains, shares, comparisons,
ratio columns and invalid specs. Expected figures come from plain pandas on the
generated source table."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from analytics.dataset_model import DatasetModel
from analytics.ingest import ingest_bytes
from analytics.query import (
    QueryError,
    QuerySpec,
    match_values,
    run,
    spec_from_json,
    spec_json_schema,
    spec_to_json,
    validate,
)

ROWS = 900


@pytest.fixture(scope="module")
def source() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    order = np.sort(rng.integers(0, 300, ROWS))
    customer = order % 70  # a customer places several orders
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(order * 2, unit="D")
    sales = np.round(rng.uniform(10, 400, ROWS), 2)
    sales[::97] = -sales[::97]  # a few returns
    return pd.DataFrame(
        {
            "Order ID": np.char.add("SO-", order.astype(str)),
            "Order Date": dates.strftime("%Y-%m-%d"),
            "Customer": np.char.add("CU-", customer.astype(str)),
            "Region": rng.choice(["North", "South", "East", "West"], ROWS),
            "Country": rng.choice(["Canada", "United States", "México"], ROWS),
            "Channel": rng.choice(["Web", "Store"], ROWS),
            "Product ID": np.char.add("P-", rng.integers(0, 40, ROWS).astype(str)),
            "Sales": sales,
            "Profit": np.round(sales * rng.uniform(-0.2, 0.4, ROWS), 2),
            "Quantity": rng.integers(1, 6, ROWS),
            "Discount": rng.choice([0.0, 0.1, 0.2, 0.5], ROWS),
        }
    )


@pytest.fixture(scope="module")
def dataset(source):
    buffer = io.StringIO()
    source.to_csv(buffer, index=False)
    result = ingest_bytes(buffer.getvalue().encode(), "orders.csv")
    assert result.mapping["order_id"] == "Order ID"
    return result.frame, DatasetModel.from_list(result.report["columns"])


def ask(dataset, **spec):
    frame, model = dataset
    return run(frame, spec_from_json(spec), model)


def by(result, key):
    return {row[key]: row for row in result.rows}


def test_totals_orders_aov_customers(dataset, source):
    result = ask(
        dataset,
        measures=[
            "revenue",
            "orders",
            "aov",
            "customers",
            "repeat_customers",
            "transactions",
        ],
    )
    paid = source[source["Sales"] > 0]
    orders = paid["Order ID"].nunique()
    per_customer = paid.groupby("Customer")["Order ID"].nunique()
    row = result.rows[0]
    assert row["revenue"] == pytest.approx(source["Sales"].sum(), abs=0.01)
    assert row["orders"] == orders
    assert row["aov"] == pytest.approx(source["Sales"].sum() / orders, abs=0.01)
    assert row["customers"] == source["Customer"].nunique()
    assert row["repeat_customers"] == int((per_customer > 1).sum())
    assert row["transactions"] == len(source)
    assert result.totals == row


def test_filter_and_group_by_dimension(dataset, source):
    result = ask(
        dataset,
        measures=["revenue", "profit", "margin", "orders", "share"],
        group_by=["Region"],
        filters=[{"column": "country", "values": ["united states", "MEXICO"]}],
    )
    rows = source[source["Country"].isin(["United States", "México"])]
    expected = rows.groupby("Region").agg(
        revenue=("Sales", "sum"), profit=("Profit", "sum")
    )
    got = by(result, "Region")
    assert set(got) == set(expected.index)
    for region, figures in expected.iterrows():
        assert got[region]["revenue"] == pytest.approx(figures["revenue"], abs=0.01)
        assert got[region]["margin"] == pytest.approx(
            figures["profit"] / figures["revenue"], abs=1e-6
        )
        assert got[region]["share"] == pytest.approx(
            figures["revenue"] / rows["Sales"].sum(), abs=1e-6
        )
        paid = rows[(rows["Region"] == region) & (rows["Sales"] > 0)]
        assert got[region]["orders"] == paid["Order ID"].nunique()
    # sorted by the first measure, largest first
    revenues = [row["revenue"] for row in result.rows]
    assert revenues == sorted(revenues, reverse=True)


def test_ratio_column_is_revenue_weighted(dataset, source):
    result = ask(dataset, measures=["Discount"], group_by=["Channel"])
    for channel, rows in source.groupby("Channel"):
        weighted = (rows["Discount"] * rows["Sales"]).sum() / rows["Sales"].sum()
        assert by(result, "Channel")[channel]["Discount"] == pytest.approx(
            weighted, abs=1e-6
        )
        assert by(result, "Channel")[channel]["Discount"] != pytest.approx(
            rows["Discount"].sum(), abs=1e-6
        )
    assert result.units["Discount"] == "ratio"
    assert any("weighted by revenue" in note for note in result.notes)


def test_time_grains(dataset, source):
    dates = pd.to_datetime(source["Order Date"])
    months = ask(dataset, measures=["revenue"], group_by=["month_of_year"])
    expected = source.groupby(dates.dt.month)["Sales"].sum()
    names = ["January", "February", "March", "April", "May", "June", "July",
             "August", "September", "October", "November", "December"]  # fmt: skip
    assert [r["month_of_year"] for r in months.rows] == [
        names[m - 1] for m in expected.index
    ]
    for month, value in expected.items():
        assert by(months, "month_of_year")[names[month - 1]][
            "revenue"
        ] == pytest.approx(value, abs=0.01)
    weekdays = ask(dataset, measures=["transactions"], group_by=["weekday"])
    counts = dates.dt.day_name().value_counts()
    assert {r["weekday"]: r["transactions"] for r in weekdays.rows} == counts.to_dict()
    monthly = ask(dataset, measures=["revenue"], group_by=["month"])
    expected = source.groupby(dates.dt.strftime("%Y-%m"))["Sales"].sum()
    assert [r["month"] for r in monthly.rows] == list(expected.index)  # time order
    quarters = ask(dataset, measures=["revenue"], group_by=["quarter"])
    expected = source.groupby(dates.dt.to_period("Q").astype(str))["Sales"].sum()
    assert [r["quarter"].replace("-", "") for r in quarters.rows] == list(
        expected.index
    )


def test_date_range_and_comparisons(dataset, source):
    dates = pd.to_datetime(source["Order Date"])
    result = ask(
        dataset,
        measures=["revenue", "margin"],
        date_range={"start": "2023-07-01", "end": "2023-12-31"},
        compare="previous_period",
    )
    now = source[(dates >= "2023-07-01") & (dates <= "2023-12-31")]
    before = source[(dates >= "2023-01-01") & (dates <= "2023-06-30")]
    totals = result.totals
    assert totals["revenue"] == pytest.approx(now["Sales"].sum(), abs=0.01)
    assert totals["revenue_previous"] == pytest.approx(before["Sales"].sum(), abs=0.01)
    assert totals["revenue_change"] == pytest.approx(
        now["Sales"].sum() / before["Sales"].sum() - 1, abs=1e-6
    )
    margin_now = now["Profit"].sum() / now["Sales"].sum()
    margin_before = before["Profit"].sum() / before["Sales"].sum()
    assert totals["margin_change"] == pytest.approx(
        margin_now - margin_before, abs=1e-6
    )

    year = ask(
        dataset,
        measures=["revenue"],
        group_by=["Region"],
        date_range={"start": "2024-01-01", "end": "2024-06-30"},
        compare="year_ago",
    )
    ago = source[(dates >= "2023-01-01") & (dates <= "2023-06-30")]
    for region, value in ago.groupby("Region")["Sales"].sum().items():
        assert by(year, "Region")[region]["revenue_previous"] == pytest.approx(
            value, abs=0.01
        )


def test_sort_and_limit(dataset, source):
    result = ask(
        dataset,
        measures=["revenue", "quantity"],
        group_by=["Product ID"],
        sort={"by": "quantity", "order": "asc"},
        limit=5,
    )
    expected = source.groupby("Product ID")["Quantity"].sum().sort_values(kind="stable")
    assert [r["quantity"] for r in result.rows] == expected.head(5).tolist()
    assert result.groups == source["Product ID"].nunique()
    assert any("Showing 5 of" in note for note in result.notes)


def test_multiple_group_by(dataset, source):
    result = ask(dataset, measures=["transactions"], group_by=["Region", "Channel"])
    expected = source.groupby(["Region", "Channel"]).size()
    got = {(r["Region"], r["Channel"]): r["transactions"] for r in result.rows}
    assert got == expected.to_dict()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"measures": ["revenue"], "group_by": ["Discount Band"]}, "Your file has no column 'Discount Band'; columns: "),
        ({"measures": ["revenue"], "filters": [{"column": "Region", "values": ["Nowhere"]}]}, "Region has no value 'Nowhere'; values: East, North, South, West"),
        ({"measures": ["cost per click"]}, "'cost per click' is not a measure of your file. Measures: revenue"),
        ({"measures": ["revenue"], "compare": "year_ago"}, "needs a date range"),
        ({"measures": ["revenue"], "group_by": ["month"], "date_range": {"start": "2023-01-01", "end": "2023-03-31"}, "compare": "previous_period"}, "cannot be grouped by month"),
        ({"measures": ["revenue"], "date_range": {"start": "2023-05-01", "end": "2023-01-01"}}, "is after the end date"),
        ({"measures": ["revenue"], "sort": {"by": "profit"}}, "Sort by a requested measure"),
    ],
)  # fmt: skip
def test_invalid_specs_say_what_exists(dataset, spec, message):
    with pytest.raises(QueryError, match=None) as error:
        ask(dataset, **spec)
    assert message in str(error.value)


def test_no_order_id_means_no_orders():
    frame = pd.DataFrame(
        {
            "Date": ["2024-01-01", "2024-01-02", "2024-01-03"] * 10,
            "Sales": np.arange(30, dtype=float) + 1,
        }
    )
    result = ingest_bytes(frame.to_csv(index=False).encode(), "s.csv")
    model = DatasetModel.from_list(result.report["columns"])
    with pytest.raises(
        QueryError, match="no order / invoice id column.*lines are not orders"
    ):
        run(result.frame, QuerySpec(measures=("orders",)), model)
    with pytest.raises(QueryError, match="no cost or profit"):
        run(result.frame, QuerySpec(measures=("margin",)), model)


def test_spec_json_round_trip_and_shape_errors():
    spec = spec_from_json(
        {
            "measures": ["revenue", "orders"],
            "group_by": ["Region"],
            "filters": [{"column": "Country", "values": ["Canada"]}],
            "date_range": {"start": "2024-01-01", "end": "2024-03-31"},
            "compare": "year_ago",
            "sort": {"by": "orders", "order": "asc"},
            "limit": 3,
        }
    )
    assert spec_from_json(spec_to_json(spec)) == spec
    for bad, says in [
        ([], "JSON object"),
        ({"measure": ["revenue"]}, "Unknown query field"),
        ({"filters": [{"column": "Region"}]}, "has no values"),
        ({"limit": 0}, "limit"),
        ({"compare": "last_week"}, "compare"),
    ]:
        with pytest.raises(QueryError, match=says):
            spec_from_json(bad)


def test_match_values_ignores_case_and_accents():
    matched, unknown = match_values(
        ["mexico", " UNITED states", "Mars"], ["México", "United States", "Canada"]
    )
    assert matched == ["México", "United States"]
    assert unknown == ["Mars"]


def test_json_schema_lists_this_dataset(dataset):
    frame, model = dataset
    schema = spec_json_schema(model, frame)
    measures = schema["properties"]["measures"]["items"]["enum"]
    assert {"revenue", "orders", "aov", "repeat_customers", "Discount"} <= set(measures)
    groups = schema["properties"]["group_by"]["items"]["enum"]
    assert {"Region", "Country", "Channel", "month_of_year", "weekday"} <= set(groups)
    options = schema["properties"]["filters"]["items"]["anyOf"]
    region = next(o for o in options if o["properties"]["column"]["const"] == "Region")
    assert region["properties"]["values"]["items"]["enum"] == [
        "East",
        "North",
        "South",
        "West",
    ]
    # a spec the schema allows is valid for the dataset
    validate(
        spec_from_json(
            {
                "measures": ["orders"],
                "filters": [{"column": "Region", "values": ["East"]}],
            }
        ),
        model,
        frame,
    )


def test_filter_on_customer_and_group_by_category_text_columns(dataset, source):
    result = ask(
        dataset,
        measures=["revenue", "transactions"],
        group_by=["customer"],
        filters=[{"column": "Customer", "values": ["cu-1", "CU-2"]}],
    )
    rows = source[source["Customer"].isin(["CU-1", "CU-2"])]
    expected = rows.groupby("Customer")["Sales"].sum()
    got = by(result, "Customer")
    assert set(got) == set(expected.index)
    for customer, value in expected.items():
        assert got[customer]["revenue"] == pytest.approx(value, abs=0.01)


def test_model_columns_missing_from_the_frame_are_not_offered(dataset):
    frame, model = dataset
    thinner = frame.drop(columns=["Region"])
    with pytest.raises(QueryError, match="no column 'Region'"):
        run(thinner, QuerySpec(group_by=("Region",)), model)
    assert (
        "Region"
        not in spec_json_schema(model, thinner)["properties"]["group_by"]["items"][
            "enum"
        ]
    )


def test_no_matching_rows_gives_zero_revenue_and_no_ratios(dataset):
    result = ask(
        dataset,
        measures=["revenue", "orders", "margin", "Discount", "aov"],
        date_range={"start": "2031-01-01", "end": "2031-12-31"},
    )
    assert result.totals == {
        "revenue": 0.0, "orders": 0, "margin": None, "Discount": None, "aov": None,
    }  # fmt: skip
    grouped = ask(
        dataset,
        measures=["revenue"],
        group_by=["Region"],
        date_range={"start": "2031-01-01", "end": "2031-12-31"},
    )
    assert grouped.rows == [] and grouped.groups == 0
