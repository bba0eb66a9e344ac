"""Insights and chat callbacks called directly, as the page and the background job call them."""

from __future__ import annotations

import pytest
from dash import Patch, dcc
from dash.exceptions import PreventUpdate

from analytics.forecast import forecast
from analytics.formatting import format_money
from callbacks.assistant import (
    question_for,
    refresh_insights,
    run_chat,
    show_history,
    submit_question,
    update_insights,
)
from components import ids
from components.assistant import SUGGESTED_QUESTIONS, answer_bubble, insight_style
from components.filters import filter_state
from services.assistant import HISTORY_KEY
from services.forecasts import ForecastParams, cache_key
from tests.conftest import as_owner, upload
from tests.fakes.ollama_server import FakeOllama, Reply, rephrase_facts
from web.extensions import extensions

ALL = (None,)  # the page's filter dict: no filter
UNKNOWN_SID = "Z" * 32


@pytest.fixture
def sid(app, sales_csv):
    return upload(app.server.test_client(), sales_csv).get_json()["session_id"]


def text_of(children) -> str:
    items = children if isinstance(children, list) else [children]
    return str(
        [c.to_plotly_json() if hasattr(c, "to_plotly_json") else c for c in items]
    )


def markdowns(component) -> list[dcc.Markdown]:
    """Every dcc.Markdown in a component tree."""
    found = []
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, dcc.Markdown):
            found.append(node)
        children = getattr(node, "children", None)
        if isinstance(children, list):
            stack.extend(children)
        elif children is not None and hasattr(children, "to_plotly_json"):
            stack.append(children)
    return found


def chat(app, sid, question, *filters, progress=None):
    settings = extensions(app.server).settings
    calls = [] if progress is None else progress
    with app.server.test_request_context("/", headers=as_owner(sid)):
        return run_chat(
            settings,
            calls.append,
            {"question": question, "at": 1.0},
            sid,
            filter_state(*filters) if filters else None,
        )


def test_insights_card_shows_summary_and_items(app, sid, sales_frame):
    with app.server.test_request_context("/"):
        content = update_insights(sid, *ALL)
    total = format_money(round(float(sales_frame["Revenue"].sum()), 2), "$")
    assert total in content[0].children
    assert 3 <= len(content[1].children) <= 5
    assert "Written without the AI model" in content[-1].children


def test_insights_follow_the_category_filter(app, sid, sales_frame):
    with app.server.test_request_context("/"):
        content = update_insights(sid, filter_state(categories=["Hardware"]))
    hardware = sales_frame.loc[sales_frame["Category"] == "Hardware", "Revenue"].sum()
    assert format_money(round(float(hardware), 2), "$") in content[0].children


def cache_default_forecast(app, sid) -> None:
    """What the forecast card leaves behind (a cheap model stands in for the backtested one)."""
    store = extensions(app.server).store
    result = forecast(store.get_frame(sid), metric="revenue", model="trend").to_dict()
    store.set_value(sid, cache_key(sid, 0, ForecastParams()), result)


def test_insights_gain_the_outlook_once_the_forecast_is_ready(app, sid):
    with app.server.test_request_context("/"):
        before = text_of(update_insights(sid, *ALL))
        cache_default_forecast(app, sid)
        after = text_of(refresh_insights([], sid, *ALL))
    assert "Outlook:" not in before
    assert "Outlook:" in after


def test_filtered_insights_ignore_the_all_data_forecast(app, sid):
    with app.server.test_request_context("/"), pytest.raises(PreventUpdate):
        refresh_insights([], sid, filter_state(categories=["Hardware"]))


@pytest.mark.parametrize(
    ("session", "filters", "needle"),
    [
        (UNKNOWN_SID, ALL, "expired"),
        (None, (filter_state("2024-05-01", "2024-01-01"),), "after the end date"),
    ],
)
def test_insights_problems_are_shown_in_the_card(app, sid, session, filters, needle):
    with app.server.test_request_context("/"):
        content = update_insights(session or sid, *filters)
    assert needle in text_of(content)


@pytest.mark.parametrize(
    ("trigger", "typed", "expected"),
    [
        ({"type": ids.CHAT_SUGGESTION, "index": 1}, "ignored", SUGGESTED_QUESTIONS[1]),
        ({"type": ids.CHAT_SUGGESTION, "index": 99}, "ignored", None),
        (ids.CHAT_SEND, "  Top 3 products  ", "Top 3 products"),
        (ids.CHAT_INPUT, "", None),
        (None, None, None),
        (ids.CHAT_SEND, "x" * 600, "x" * 500),
    ],
)
def test_question_for(trigger, typed, expected):
    assert question_for(trigger, typed) == expected


def test_submit_queues_the_question_and_shows_it(app):
    with app.server.test_request_context("/"):
        pending, box, shown = submit_question(1, 0, [None] * 5, 0, "Top 3 products")
    assert pending["question"] == "Top 3 products"
    assert box == ""
    assert isinstance(shown, Patch)


def test_submit_ignores_an_empty_box(app):
    with app.server.test_request_context("/"), pytest.raises(PreventUpdate):
        submit_question(1, 0, [None] * 5, 0, "   ")


def test_chat_job_answers_from_the_data_and_records_the_turn(app, sid, sales_frame):
    progress: list = []
    messages = chat(app, sid, "Top 5 products by profit", progress=progress)
    profit = (
        (sales_frame["Revenue"] - sales_frame["Cost"]).groupby(sales_frame["SKU"]).sum()
    )
    expected = f"`{profit.idxmax()}`: profit {format_money(round(float(profit.max()), 2), '$')}"
    assert expected in markdowns(messages[-1])[0].children
    assert progress[0] == ("Working out the figures…", "")
    turns = extensions(app.server).store.get_value(sid, HISTORY_KEY)
    assert [t["question"] for t in turns] == ["Top 5 products by profit"]
    assert len(messages) == 3  # welcome, question, answer


def test_history_is_rendered_on_load(app, sid):
    chat(app, sid, "Top 3 products")
    chat(app, sid, "What was revenue in 2023?")
    with app.server.test_request_context("/"):
        shown = show_history(sid)
    assert len(shown) == 5
    assert "What was revenue in 2023?" in text_of(shown[3])


def test_chat_job_on_an_expired_session(app):
    messages = chat(app, UNKNOWN_SID, "Top 3 products")
    assert "expired" in text_of(messages[-1])


def test_chat_job_reports_bad_filters_without_recording(app, sid):
    messages = chat(app, sid, "Top 3 products", "2024-05-01", "2024-01-01", None, None)
    assert "after the end date" in text_of(messages[-1])
    assert extensions(app.server).store.get_value(sid, HISTORY_KEY) is None


def test_chat_job_without_a_question_does_nothing(app, sid):
    settings = extensions(app.server).settings
    with pytest.raises(PreventUpdate):
        run_chat(settings, lambda _: None, None, sid, *ALL)


def test_chat_job_streams_the_model_reply(make_app, sales_csv):
    with FakeOllama(default=Reply(responder=rephrase_facts)) as fake:
        app = make_app(OLLAMA_HOST=fake.url, OLLAMA_TIMEOUT=10, OLLAMA_MAX_RETRIES=0)
        sid = upload(app.server.test_client(), sales_csv).get_json()["session_id"]
        progress: list = []
        messages = chat(app, sid, "Top 5 products by profit", progress=progress)
    streamed = [text for _status, text in progress[1:]]
    assert streamed and streamed[-1].startswith("Here is what your data shows")
    assert "llama3 is writing" in progress[-1][0]
    assert "worded by llama3" in text_of(messages[-1])


def test_answers_render_markdown_without_html_and_say_what_they_rest_on():
    bubble = answer_bubble(
        {
            "answer": "**Revenue** was $10 <script>alert(1)</script>",
            "model": "none",
            "note": "Answered without the AI model: the local AI model (Ollama) is not reachable.",
            "based_on": {
                "period": "2024",
                "rows": 12,
                "filters": {"categories": ["Books"], "start": None, "end": None},
            },
        }
    )
    assert [m.dangerously_allow_html for m in markdowns(bubble)] == [False]
    text = text_of(bubble)
    assert "Based on: 2024 · 12 rows · category Books" in text
    assert "Answered without the AI model" in text


@pytest.mark.parametrize(
    ("kind", "change", "expected"),
    [
        ("revenue_trend", 0.12, ("↗", "primary")),
        ("revenue_trend", -0.12, ("↘", "danger")),
        ("margin", -1.5, ("%", "danger")),
        ("forecast", -0.3, ("↘", "danger")),
        ("anomaly", -4.6, ("!", "warning")),
        ("something_new", None, ("•", "secondary")),
    ],
)
def test_insight_style_by_kind_and_direction(kind, change, expected):
    facts = [{"label": "Revenue, 2024", "value": 10.0, "display": "$10"}]
    if change is not None:
        facts.append(
            {
                "label": "Forecast change on a year earlier",
                "value": change,
                "display": f"{change:+}",
            }
        )
    assert insight_style({"kind": kind, "facts": facts}) == expected


def test_the_dashboard_page_has_both_cards(app, sid):
    from callbacks.routing import render_page

    with app.server.test_request_context("/"):
        page = str(render_page(f"/dashboard/{sid}").to_plotly_json())
    for component_id in (
        ids.INSIGHTS_BODY,
        ids.CHAT_MESSAGES,
        ids.CHAT_INPUT,
        ids.CHAT_SEND,
    ):
        assert f"'{component_id}'" in page


def test_the_page_registers_insights_and_chat_callbacks(client):
    outputs = " ".join(
        dep["output"] for dep in client.get("/_dash-dependencies").get_json()
    )
    assert f"{ids.INSIGHTS_BODY}.children" in outputs
    assert f"{ids.CHAT_PENDING}.data" in outputs
    assert outputs.count(f"{ids.CHAT_MESSAGES}.children") == 3
    assert outputs.count(f"{ids.INSIGHTS_BODY}.children") == 2


def test_a_chat_job_that_ended_without_an_answer_says_why_and_offers_retry():
    from callbacks.assistant import RETRY_SHOWN, chat_job_ended

    error = RuntimeError(
        "An error occurred inside a background callback: [job:timed_out] The job took "
        "longer than 300 s and was stopped.\n"
    )
    shown, retry = chat_job_ended(error)
    assert isinstance(shown, Patch)
    assert retry == RETRY_SHOWN
    bubble = shown.to_plotly_json()["operations"][0]["params"]["value"]
    assert "took too long" in text_of(bubble) and "300 s" in text_of(bubble)
