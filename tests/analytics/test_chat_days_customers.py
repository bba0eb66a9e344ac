"""Chat questions about named days of the week, customers on average, new and returning
customers, the repeat rate and the average price per unit, on generated data (the real
files are in ``test_chat_bank.py``)."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.chat import answer, parse_question
from analytics.customers import customer_view
from analytics.schema import conform_canonical
from tests.analytics.test_chat import check_template, make_sales, value_of


@pytest.fixture(scope="module")
def sales() -> pd.DataFrame:
    return make_sales()


def _days_covered(df: pd.DataFrame, days: tuple[int, ...], start=None, end=None) -> int:
    first, last = df["date"].min().normalize(), df["date"].max().normalize()
    if start is not None:
        first, last = max(first, pd.Timestamp(start)), min(last, pd.Timestamp(end))
    return int(pd.date_range(first, last).day_of_week.isin(days).sum())


# --------------------------------------------------------------------- days of the week


@pytest.mark.parametrize(
    ("question", "days"),
    [
        ("What was revenue on Mondays?", (0,)),
        ("revenue on Monday", (0,)),
        ("Monday sales", (0,)),
        ("What were sales on a Tuesday in 2022?", (1,)),
        ("How much did we sell at the weekend?", (5, 6)),
        ("weekend sales", (5, 6)),
        ("total sales on weekends", (5, 6)),
        ("revenue on weekdays", (0, 1, 2, 3, 4)),
        ("profit on Saturdays and Sundays", (5, 6)),
        ("Average revenue on Sundays", (6,)),
        ("units sold on Fridays in 2023", (4,)),
    ],
)
def test_a_named_day_of_the_week_is_a_filter(
    sales: pd.DataFrame, question: str, days: tuple[int, ...]
) -> None:
    intent = parse_question(sales, question)
    assert intent.kind == "weekday_total", intent
    assert tuple(sorted(intent.weekdays)) == days
    assert not intent.gaps


@pytest.mark.parametrize(
    ("question", "bottom", "n"),
    [
        ("Which day of the week is strongest?", False, None),
        ("Which weekday sells the least?", True, None),
        ("Revenue by weekday", False, None),
        ("Is Friday our best day?", False, 7),
        ("Is Monday the weakest day of the week?", True, 7),
    ],
)
def test_which_day_is_best_still_ranks_the_days(
    sales: pd.DataFrame, question: str, bottom: bool, n: int | None
) -> None:
    intent = parse_question(sales, question)
    assert intent.kind == "ranking"
    assert intent.dimension == "weekday"
    assert intent.bottom is bottom
    assert intent.n == n
    assert intent.weekdays == ()


def test_revenue_on_mondays_is_their_total_days_and_average(
    sales: pd.DataFrame,
) -> None:
    question = "What was revenue on Mondays?"
    result = answer(sales, question)
    mondays = sales.loc[sales["date"].dt.day_of_week == 0, "revenue"].sum()
    covered = _days_covered(sales, (0,))
    assert value_of(result, "Revenue on Mondays") == pytest.approx(mondays, abs=0.01)
    assert value_of(result, "Mondays covered") == covered
    assert value_of(result, "Average revenue per day on Mondays") == pytest.approx(
        mondays / covered, abs=0.01
    )
    share = mondays / sales["revenue"].sum()
    assert value_of(result, "Share of revenue on Mondays") == pytest.approx(
        share, abs=1e-5
    )
    assert "Tuesday" not in result.answer  # not a ranking of the days
    assert check_template(sales, question, result) == []


def test_weekends_in_a_year_are_saturdays_and_sundays_of_that_year(
    sales: pd.DataFrame,
) -> None:
    question = "How much profit did we make on weekends in 2022?"
    result = answer(sales, question)
    rows = sales.loc[sales["date"].dt.year == 2022]
    weekend = rows.loc[rows["date"].dt.day_of_week >= 5]
    assert value_of(result, "Profit on weekend days, 2022") == pytest.approx(
        weekend["profit"].sum(), abs=0.01
    )
    assert value_of(result, "Weekend days covered, 2022") == _days_covered(
        sales, (5, 6), "2022-01-01", "2022-12-31"
    )
    saturdays = weekend.loc[weekend["date"].dt.day_of_week == 5, "profit"].sum()
    assert value_of(result, "Profit on Saturdays, 2022") == pytest.approx(
        saturdays, abs=0.01
    )
    assert check_template(sales, question, result) == []


def test_a_ratio_on_named_days_is_the_ratio_of_their_sums(sales: pd.DataFrame) -> None:
    result = answer(sales, "What was the profit margin on Fridays?")
    fridays = sales.loc[sales["date"].dt.day_of_week == 4]
    margin = fridays["profit"].sum() / fridays["revenue"].sum()
    assert value_of(result, "Profit margin on Fridays") == pytest.approx(
        margin, abs=1e-5
    )


def test_weekly_data_cannot_tell_the_days_apart() -> None:
    weeks = pd.date_range("2023-01-06", periods=60, freq="7D")  # all Fridays
    frame = conform_canonical(pd.DataFrame({"date": weeks, "revenue": 100.0}))
    result = answer(frame, "What were sales on weekends?")
    assert result.intent == "not_covered"
    assert "one date per week" in result.answer
    assert not [f for f in result.facts if isinstance(f.value, (int, float))]


@pytest.mark.parametrize(
    "question",
    [
        "Top 5 products on Mondays",
        "Revenue by category on weekends",
        "How many customers on Saturdays?",
        "Revenue trend on Mondays",
    ],
)
def test_what_named_days_cannot_answer_is_refused(
    sales: pd.DataFrame, question: str
) -> None:
    result = answer(sales, question)
    assert result.intent == "not_covered", result.answer
    assert not [f for f in result.facts if isinstance(f.value, (int, float))]


def test_a_follow_up_keeps_the_named_days(sales: pd.DataFrame) -> None:
    first = answer(sales, "What was revenue on Mondays?")
    history = [{"question": "What was revenue on Mondays?", "answer": first.answer}]
    result = answer(sales, "and in 2022?", history=history)
    rows = sales.loc[
        (sales["date"].dt.year == 2022) & (sales["date"].dt.day_of_week == 0)
    ]
    assert value_of(result, "Revenue on Mondays, 2022") == pytest.approx(
        rows["revenue"].sum(), abs=0.01
    )


@pytest.mark.parametrize(
    "question",
    [
        "What was revenue on 2022-03-07?",
        "revenue on 7 March 2022",
        "sales on March 7th, 2022",
    ],
)
def test_one_date_is_that_day_not_its_month(sales: pd.DataFrame, question: str) -> None:
    result = answer(sales, question)
    day = sales.loc[sales["date"] == "2022-03-07", "revenue"].sum()
    assert value_of(result, "Revenue, 2022-03-07") == pytest.approx(day, abs=0.01)


@pytest.mark.parametrize("question", ["sales last Monday", "revenue this weekend"])
def test_one_particular_named_day_is_refused(
    sales: pd.DataFrame, question: str
) -> None:
    result = answer(sales, question)
    assert result.intent == "not_covered"
    assert "give its date" in result.answer


# --------------------------------------------------------------------------- customers


@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    """Customers with order ids.

    c1 buys in November 2023 (O1) and January 2024 (O2); c2 buys two lines of one order
    (O3) in February 2024 and returns goods in March (O4, negative: not an order); c3
    buys once in March 2024 (O5); one line has no customer id (O6).
    """
    frame = conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(
                    [
                        "2023-11-05",
                        "2024-01-10",
                        "2024-02-01",
                        "2024-02-01",
                        "2024-03-01",
                        "2024-03-03",
                        "2024-01-15",
                    ]
                ),  # fmt: skip
                "revenue": [100.0, 50.0, 80.0, 20.0, -30.0, 40.0, 60.0],
                "quantity": [1.0, 1.0, 2.0, 1.0, -1.0, 1.0, 3.0],
                "sku": ["A", "B", "A", "C", "A", "B", "C"],
                "customer": ["c1", "c1", "c2", "c2", "c2", "c3", None],
            }
        )
    )
    frame["order_id"] = ["O1", "O2", "O3", "O3", "O4", "O5", "O6"]
    return frame


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("orders per customer", "per_customer"),
        ("What is the average number of orders per customer?", "per_customer"),
        ("How many orders does each customer place on average?", "per_customer"),
        ("What does a customer spend on average?", "per_customer"),
        ("average revenue per client", "per_customer"),
        ("revenue per customer in 2024", "per_customer"),
        ("What is the repeat rate?", "repeat_customers"),
        ("repeat customer rate", "repeat_customers"),
        ("How many returning customers?", "repeat_customers"),
        ("How many new customers in 2024?", "new_customers"),
        ("new vs returning customers in 2024", "new_customers"),
        ("first-time buyers in March 2024", "new_customers"),
        ("revenue from returning customers in 2024", "new_customers"),
        ("What percentage of customers were new in 2024?", "new_customers"),
        ("How many repeat customers in 2024?", "repeat_customers"),
        ("How many customers placed more than one order in 2024?", "repeat_customers"),
        ("monthly new customers in 2024", "new_customers"),
        ("How much do customers spend on average?", "per_customer"),
        ("How much did customers spend in 2024?", "total"),
        ("How much did each customer spend in 2024?", "breakdown"),
        # nearby questions keep their answers
        ("Revenue by customer", "breakdown"),
        ("revenue for each customer", "breakdown"),
        ("Top 3 customers", "ranking"),
        ("Which customers have the most orders?", "ranking"),
        ("How many customers do I have?", "count"),
    ],
)
def test_customer_questions_are_read_as_asked(
    shop: pd.DataFrame, question: str, kind: str
) -> None:
    intent = parse_question(shop, question)
    assert intent.kind == kind
    assert not intent.gaps
    if "spend" in question:
        assert intent.metric == "revenue"  # what customers spend, not a cost


def test_orders_per_customer_is_the_average_over_customers(shop: pd.DataFrame) -> None:
    question = "orders per customer"
    result = answer(shop, question)
    # orders O1, O2, O3, O5 (O4 is a return) over the three customers who bought
    assert value_of(result, "Orders per customer") == pytest.approx(4 / 3, abs=0.005)
    assert value_of(result, "Customers with a purchase") == 3
    assert value_of(result, "Lines without a customer id") == 1
    assert "Orders by customer" in result.answer  # the breakdown is offered
    assert check_template(shop.assign(category=None), question, result) == []


def test_revenue_per_customer_uses_the_customers_view(shop: pd.DataFrame) -> None:
    result = answer(shop, "What is the average revenue per customer?")
    view = customer_view(shop)
    assert value_of(result, "Revenue per customer") == pytest.approx(
        view.revenue_per_customer, abs=0.005
    )
    assert value_of(result, "Revenue per customer") == pytest.approx(260 / 3, abs=0.005)
    assert value_of(result, "Revenue of lines without a customer id") == 60


def test_the_repeat_rate_is_the_customers_view_s(shop: pd.DataFrame) -> None:
    result = answer(shop, "What is the repeat rate?")
    view = customer_view(shop)
    assert value_of(result, "Share of customers with more than one order") == (
        pytest.approx(view.repeat_rate)
    )
    assert value_of(result, "Customers with more than one order") == 1


def test_without_order_ids_the_repeat_rate_counts_purchase_days() -> None:
    """As the Customers view: several lines of one customer on one day are one
    purchase; c1 bought on two days, c2 two lines on one day, c3 once."""
    frame = conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(
                    [
                        "2024-01-02 09:00",
                        "2024-01-02 17:00",
                        "2024-02-05 10:00",
                        "2024-03-01 08:00",
                        "2024-03-01 12:00",
                        "2024-03-09 10:00",
                    ]
                ),  # fmt: skip
                "revenue": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
                "sku": ["A", "B", "A", "A", "C", "B"],
                "customer": ["c1", "c1", "c1", "c2", "c2", "c3"],
            }
        )
    )
    result = answer(frame, "What is the repeat rate?")
    assert result.intent == "repeat_customers"
    assert customer_view(frame).repeat_basis == "purchase days"
    assert value_of(result, "Share of customers with more than one purchase day") == (
        pytest.approx(1 / 3)
    )
    assert value_of(result, "Customers with more than one purchase day") == 1
    assert (
        value_of(result, "Revenue of customers with more than one purchase day") == 60
    )
    assert "purchase days" in result.answer
    assert "order" not in result.answer.replace("order id", "")
    # orders are not purchase days: asked about orders, it still refuses
    refused = answer(frame, "How many customers placed more than one order?")
    assert refused.intent == "not_covered"
    assert "order id" in refused.answer


def test_new_and_returning_customers_of_a_period(shop: pd.DataFrame) -> None:
    question = "How many new customers in 2024?"
    result = answer(shop, question)
    assert value_of(result, "New customers, 2024") == 2  # c2 and c3
    assert value_of(result, "Returning customers, 2024") == 1  # c1
    assert value_of(result, "Revenue of new customers, 2024") == 110  # 80+20-30+40
    assert value_of(result, "Revenue of returning customers, 2024") == 50
    assert check_template(shop.assign(category=None), question, result) == []


def test_a_period_without_customer_purchases_says_so(shop: pd.DataFrame) -> None:
    result = answer(shop, "How many new customers in December 2023?")
    assert "No customer with an id bought" in result.answer
    assert not [f for f in result.facts if f.label.startswith("New customers")]


def test_new_customers_per_month_are_the_customers_view_s(shop: pd.DataFrame) -> None:
    result = answer(shop, "new customers per month")
    monthly = customer_view(shop).monthly
    for row in monthly.itertuples():
        label = f"{row.month:%Y-%m}"
        assert value_of(result, f"New customers, {label}") == row.new_customers
        assert value_of(result, f"Revenue of new customers, {label}") == row.new


def test_monthly_new_customers_are_listed_per_month(shop: pd.DataFrame) -> None:
    intent = parse_question(shop, "monthly new customers in 2024")
    assert intent.dimension == "month"
    result = answer(shop, "monthly new customers in 2024")
    assert value_of(result, "New customers, 2024-02") == 1  # c2
    assert "- 2023-11:" not in result.answer  # the months of the period only


def test_customer_figures_follow_the_dashboard_filters(shop: pd.DataFrame) -> None:
    """The chat answers on the rows under the filters, as the Customers view does."""
    result = answer(shop, "average revenue per customer", filters={"skus": ["A"]})
    view = customer_view(shop.loc[shop["sku"] == "A"])
    assert value_of(result, "Revenue per customer") == pytest.approx(
        view.revenue_per_customer, abs=0.005
    )
    assert "SKU A" in result.answer


@pytest.mark.parametrize(
    "question",
    [
        "How many new customers in 2019?",
        "orders per customer in 2019",
        "What is the repeat rate in 2019?",
        "revenue on Mondays in 2019",
    ],
)
def test_a_period_outside_the_data_is_said_not_answered_with_zeros(
    shop: pd.DataFrame, question: str
) -> None:
    result = answer(shop, question)
    assert "no rows in 2019" in result.answer
    assert not [f for f in result.facts if isinstance(f.value, (int, float))]


def test_customer_questions_without_a_customer_id_are_refused(
    sales: pd.DataFrame,
) -> None:
    anonymous = sales.assign(customer=None)
    for question in ("orders per customer", "How many new customers in 2022?"):
        result = answer(conform_canonical(anonymous), question)
        assert result.intent == "not_covered"
        assert "customer" in result.answer


def test_profit_per_customer_is_refused_not_answered_with_revenue(
    sales: pd.DataFrame,
) -> None:
    result = answer(sales, "profit per customer")
    assert result.intent == "not_covered"
    assert "profit" in result.answer


# ------------------------------------------------------------------ price per unit


def test_average_unit_price_is_revenue_per_unit(sales: pd.DataFrame) -> None:
    question = "What is the average unit price?"
    result = answer(sales, question)
    expected = sales["revenue"].sum() / sales["quantity"].sum()
    assert value_of(result, "Average price per unit") == pytest.approx(
        expected, abs=0.005
    )
    assert "weighted by its quantity" in result.answer
    assert check_template(sales, question, result) == []


def test_average_unit_price_without_quantities_names_what_is_missing(
    sales: pd.DataFrame,
) -> None:
    frame = conform_canonical(sales.assign(quantity=None, unit_price=None))
    result = answer(frame, "What is the average unit price?")
    assert result.intent == "not_covered"
    assert "quantity" in result.answer


# ------------------------------------------------------------ retention and RFM segments


@pytest.fixture(scope="module")
def cohorts() -> pd.DataFrame:
    """January 2024: c1, c2, c3 buy; c1 comes back in February, c2 in April, c3
    never. February: c4 buys and comes back in March. April (the last month): c5."""
    frame = conform_canonical(
        pd.DataFrame(
            {
                "date": pd.to_datetime(
                    [
                        "2024-01-05",
                        "2024-01-09",
                        "2024-01-20",
                        "2024-02-03",
                        "2024-04-10",
                        "2024-02-11",
                        "2024-03-02",
                        "2024-04-22",
                    ]
                ),  # fmt: skip
                "revenue": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0],
                "sku": ["A"] * 8,
                "customer": ["c1", "c2", "c3", "c1", "c2", "c4", "c4", "c5"],
            }
        )
    )
    frame["order_id"] = [f"O{i}" for i in range(8)]
    return frame


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What is our customer retention?", "retention"),
        ("retention rate", "retention"),
        ("cohort retention", "retention"),
        ("How many customers from January 2024 came back?", "retention"),
        ("How many customers are at risk?", "rfm_segments"),
        ("Who are our champions?", "rfm_segments"),
        ("customer segments", "rfm_segments"),
        ("Which customers came back?", "not_covered"),
        ("What is the repeat rate?", "repeat_customers"),
        ("How many new customers in 2024?", "new_customers"),
    ],
)
def test_retention_and_segment_questions(
    cohorts: pd.DataFrame, question: str, kind: str
) -> None:
    assert answer(cohorts, question).intent == kind


def test_retention_is_the_share_of_a_cohort_that_came_back(
    cohorts: pd.DataFrame,
) -> None:
    result = answer(cohorts, "What is our customer retention?")
    # c5's first month is the last month: it cannot have come back yet
    assert value_of(result, "Customers who could come back") == 4
    assert value_of(result, "Customers who came back in a later month") == 3
    assert value_of(result, "Share of customers who came back") == pytest.approx(0.75)
    # month 1 of the view's cohort table: c1 (Jan -> Feb) and c4 (Feb -> Mar)
    view = customer_view(cohorts)
    assert value_of(result, "Customers retained the next month") == 2
    assert view.cohorts[1].dropna().tolist() == [pytest.approx(1 / 3), 1.0]
    assert "later month" in result.answer and "April 2024" in result.answer
    january = answer(cohorts, "How many customers from January 2024 came back?")
    assert value_of(january, "Customers who came back in a later month") == 2
    assert value_of(january, "Share of customers who came back") == (
        pytest.approx(2 / 3)
    )
    assert value_of(january, "Share of customers retained the next month") == (
        pytest.approx(1 / 3)
    )


def test_rfm_segments_are_the_view_s(cohorts: pd.DataFrame) -> None:
    result = answer(cohorts, "How many customers are at risk?")
    view = customer_view(cohorts)
    for row in view.segments.to_dict("records"):
        assert (
            value_of(result, f"Customers in segment {row['segment']}")
            == (row["customers"])
        )
        assert value_of(result, f"Revenue of segment {row['segment']}") == (
            pytest.approx(row["revenue"])
        )
        assert f"**{row['segment']}**" in result.answer
    assert sum(view.segments["customers"]) == 5
