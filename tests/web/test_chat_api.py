"""``POST /api/chat/<id>`` and ``GET /api/insights/<id>``: contract, errors, limits, history, model."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.formatting import format_money
from services.assistant import HISTORY_KEY, MAX_HISTORY_TURNS
from tests.conftest import as_owner, csrf_token, transactions_frame, upload
from tests.fakes.ollama_server import (
    FakeOllama,
    Reply,
    rephrase_facts,
    wrong_number_reply,
)
from web.extensions import extensions

PUBLIC = {"answer", "facts", "model", "based_on", "note"}
UNKNOWN_SID = "A" * 32


@pytest.fixture
def session(client, sales_csv):
    created = upload(client, sales_csv)
    assert created.status_code == 201
    return created.get_json()["session_id"]


def ask(client, sid: str, message, token: str | None = None, **extra):
    token = csrf_token(client) if token is None else token
    return client.post(
        f"/api/chat/{sid}",
        json={"message": message, **extra},
        headers={"X-CSRFToken": token, **as_owner(sid)},
    )


def top_by_profit(frame: pd.DataFrame) -> tuple[str, str]:
    profit = (frame["Revenue"] - frame["Cost"]).groupby(frame["SKU"]).sum()
    return str(profit.idxmax()), format_money(round(float(profit.max()), 2), "$")


def revenue_in(frame: pd.DataFrame, year: str) -> str:
    """A year's revenue as a total answer shows it (to the cent)."""
    total = float(frame.loc[frame["Date"].str[:4] == year, "Revenue"].sum())
    return format_money(round(total, 2), "$", decimals=2)


def history(app, sid: str) -> list[dict]:
    return extensions(app.server).store.get_value(sid, HISTORY_KEY, [])


def test_chat_contract_and_grounded_figure(client, session, sales_frame):
    response = ask(client, session, "Top 5 products by profit")
    assert response.status_code == 200
    assert response.is_json
    body = response.get_json()
    assert set(body) == PUBLIC
    sku, profit = top_by_profit(sales_frame)
    assert f"`{sku}`: profit {profit}" in body["answer"]
    assert any(fact["display"] == profit for fact in body["facts"])
    assert body["based_on"]["rows"] == len(sales_frame)
    assert body["based_on"]["filters"] == {
        "start": None,
        "end": None,
        "categories": [],
        "sku_query": None,
    }


def test_without_ollama_the_answer_says_so(client, session):
    body = ask(client, session, "What was revenue in 2023?").get_json()
    assert body["model"] == "none"
    assert body["note"] == (
        "Answered without the AI model: the local AI model (Ollama) is not reachable."
    )


def test_filters_in_the_body_narrow_the_answer(client, session, sales_frame):
    response = ask(
        client, session, "What was revenue in 2023?", filters={"category": ["Software"]}
    )
    body = response.get_json()
    software = sales_frame[sales_frame["Category"] == "Software"]
    assert f"**{revenue_in(software, '2023')}**" in body["answer"]
    assert body["based_on"]["filters"]["categories"] == ["Software"]
    # the words name the filter the figure is under
    assert "Revenue in 2023 (category Software) was" in body["answer"]


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"data": "Top 5 products", "content_type": "text/plain"}, "JSON object"),
        ({"data": "{not json", "content_type": "application/json"}, "JSON object"),
        ({"json": ["Top 5 products"]}, "JSON object"),
        ({"json": {}}, "missing or empty"),
        ({"json": {"message": "   "}}, "missing or empty"),
        ({"json": {"message": 42}}, "missing or empty"),
        ({"json": {"message": "x" * 501}}, "under 500 characters"),
        ({"json": {"message": "Top 5", "filters": {"start": "soon"}}}, "not a date"),
        (
            {"json": {"message": "Top 5", "filters": "Books"}},
            "filters must be an object",
        ),
    ],
)
def test_bad_requests_are_400_json(client, session, kwargs, needle):
    response = client.post(
        f"/api/chat/{session}", headers={"X-CSRFToken": csrf_token(client)}, **kwargs
    )
    assert response.status_code == 400
    assert response.is_json
    assert needle in response.get_json()["error"]


@pytest.mark.parametrize("sid", [UNKNOWN_SID, "not-a-session"])
def test_unknown_session_is_404_json(client, sid):
    response = ask(client, sid, "Top 5 products by profit")
    assert response.status_code == 404
    assert "expired" in response.get_json()["error"]


def test_chat_routes_win_over_the_api_catch_all(app):
    urls = app.server.url_map.bind("localhost")
    assert urls.match(f"/api/chat/{UNKNOWN_SID}", method="POST")[0] == "chat_api.chat"
    assert (
        urls.match(f"/api/insights/{UNKNOWN_SID}", method="GET")[0]
        == "chat_api.insights"
    )
    assert urls.match("/api/nothing/here", method="GET")[0] == "api.unknown"


def test_post_without_csrf_token_is_rejected(app, client, session):
    client.get("/")
    response = client.post(
        f"/api/chat/{session}", json={"message": "Top 5 products by profit"}
    )
    assert response.status_code == 400
    assert "token" in response.get_json()["error"].lower()
    assert history(app, session) == []


def test_rate_limit_returns_429(make_app, sales_csv):
    app = make_app(RATE_LIMIT=2, RATE_LIMIT_WINDOW=60)
    client = app.server.test_client()
    token = csrf_token(client)
    sid = upload(client, sales_csv, token=token).get_json()["session_id"]
    statuses = [
        ask(client, sid, "Top 3 products", token=token).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    limited = ask(client, sid, "Top 3 products", token=token)
    assert limited.is_json
    assert int(limited.headers["Retry-After"]) > 0


def test_history_is_kept_in_the_store_across_requests(
    app, client, session, sales_frame
):
    ask(client, session, "What was revenue in 2024?")
    follow_up = ask(client, session, "and in 2023?").get_json()
    assert f"**{revenue_in(sales_frame, '2023')}**" in follow_up["answer"]
    turns = history(app, session)
    assert [t["question"] for t in turns] == [
        "What was revenue in 2024?",
        "and in 2023?",
    ]
    assert turns[1]["answer"] == follow_up["answer"]


def test_history_is_shared_by_app_instances_on_one_cache_dir(make_app, sales_csv):
    first, second = make_app(), make_app()
    frame = transactions_frame()
    client_a, client_b = first.server.test_client(), second.server.test_client()
    sid = upload(client_a, sales_csv).get_json()["session_id"]
    ask(client_a, sid, "What was revenue in 2024?")
    follow_up = ask(client_b, sid, "and in 2023?").get_json()
    assert f"**{revenue_in(frame, '2023')}**" in follow_up["answer"]
    assert len(history(second, sid)) == 2


def test_history_keeps_the_last_turns(app, client, session):
    store = extensions(app.server).store
    old = [
        {"question": f"q{i}", "answer": "a", "facts": []}
        for i in range(MAX_HISTORY_TURNS + 5)
    ]
    store.set_value(session, HISTORY_KEY, old)
    ask(client, session, "Top 3 products")
    turns = history(app, session)
    assert len(turns) == MAX_HISTORY_TURNS
    assert turns[-1]["question"] == "Top 3 products"


def fake_app(make_app, fake: FakeOllama):
    return make_app(OLLAMA_HOST=fake.url, OLLAMA_TIMEOUT=10, OLLAMA_MAX_RETRIES=0)


def test_with_ollama_the_model_words_the_answer(make_app, sales_csv, sales_frame):
    with FakeOllama(default=Reply(responder=rephrase_facts)) as fake:
        client = fake_app(make_app, fake).server.test_client()
        sid = upload(client, sales_csv).get_json()["session_id"]
        body = ask(client, sid, "Top 5 products by profit").get_json()
    assert body["model"] == "llama3"
    assert body["note"] is None
    assert body["answer"].startswith("Here is what your data shows")
    assert top_by_profit(sales_frame)[1] in body["answer"]


def test_a_wrong_number_from_the_model_is_replaced(make_app, sales_csv, sales_frame):
    with FakeOllama(default=Reply(responder=wrong_number_reply)) as fake:
        client = fake_app(make_app, fake).server.test_client()
        sid = upload(client, sales_csv).get_json()["session_id"]
        body = ask(client, sid, "Top 5 products by profit").get_json()
        assert fake.calls("/api/chat") == 1
    assert body["model"] == "none"
    assert "not among the computed figures" in body["note"]
    sku, profit = top_by_profit(sales_frame)
    assert f"`{sku}`: profit {profit}" in body["answer"]


def test_a_missing_model_is_named_in_the_note(make_app, sales_csv):
    with FakeOllama(models=("mistral:latest",)) as fake:
        client = fake_app(make_app, fake).server.test_client()
        sid = upload(client, sales_csv).get_json()["session_id"]
        body = ask(client, sid, "Top 5 products by profit").get_json()
        assert fake.calls("/api/chat") == 0
    assert body["model"] == "none"
    assert "“llama3” is not installed" in body["note"]


@pytest.mark.parametrize(
    ("installed", "configured", "present"),
    [
        (("llama3.2:1b",), "llama3.2", False),  # Ollama reads "llama3.2" as ":latest"
        (("llama3.2:1b",), "llama3.2:1b", True),
        (("llama3.2:latest",), "llama3.2", True),
    ],
)
def test_health_says_a_model_is_present_only_when_the_app_can_use_it(
    make_app, sales_csv, installed, configured, present
):
    with FakeOllama(models=installed, default=Reply(responder=rephrase_facts)) as fake:
        app = make_app(
            OLLAMA_HOST=fake.url, OLLAMA_MODEL=configured, OLLAMA_MAX_RETRIES=0
        )
        client = app.server.test_client()
        health = client.get("/health").get_json()["ollama"]
        sid = upload(client, sales_csv).get_json()["session_id"]
        body = ask(client, sid, "Top 5 products by profit").get_json()
    assert (health["reachable"], health["model_present"]) == (True, present)
    assert body["model"] == (configured if present else "none")


# -- insights -------------------------------------------------------------------------------


def test_insights_contract(client, session, sales_frame):
    response = client.get(f"/api/insights/{session}")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"summary", "insights", "model", "note", "based_on"}
    assert 3 <= len(body["insights"]) <= 5
    assert {"title", "text", "kind", "facts"} <= set(body["insights"][0])
    assert (
        format_money(round(float(sales_frame["Revenue"].sum()), 2), "$")
        in body["summary"]
    )
    assert body["model"] == "none"
    assert body["note"].startswith("Written without the AI model")
    assert body["based_on"]["rows"] == len(sales_frame)


def test_insights_follow_query_filters(client, session, sales_frame):
    body = client.get(f"/api/insights/{session}?category=Software").get_json()
    software = sales_frame.loc[sales_frame["Category"] == "Software", "Revenue"].sum()
    assert format_money(round(float(software), 2), "$") in body["summary"]
    assert body["based_on"]["filters"]["categories"] == ["Software"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/api/insights/{UNKNOWN_SID}", 404),
        ("/api/insights/{sid}?start=2024-05-01&end=2024-01-01", 400),
    ],
)
def test_insights_errors_are_json(client, session, path, status):
    response = client.get(path.format(sid=session))
    assert response.status_code == status
    assert response.is_json


def test_insights_model_failure_is_cached_for_a_while(make_app, sales_csv):
    with FakeOllama(default=Reply(text="Sure! Here are your insights.")) as fake:
        client = fake_app(make_app, fake).server.test_client()
        sid = upload(client, sales_csv).get_json()["session_id"]
        first = client.get(f"/api/insights/{sid}").get_json()
        second = client.get(f"/api/insights/{sid}").get_json()
        assert fake.calls("/api/chat") == 1
    assert first == second
    assert first["model"] == "none"
    assert "not the expected JSON" in first["note"]


@pytest.fixture
def regional_frame(sales_frame: pd.DataFrame) -> pd.DataFrame:
    """The sales table with an order id, a Region, a Channel and a discount rate."""
    n = len(sales_frame)
    return sales_frame.assign(
        **{
            "Order ID": [f"SO-{i // 2:04d}" for i in range(n)],
            "Region": [("North", "South", "West")[i % 3] for i in range(n)],
            "Channel": [("Web", "Shop")[i % 2] for i in range(n)],
            "Discount": [0.1 * (i % 3) for i in range(n)],
        }
    )


def test_chat_reads_the_files_own_columns_end_to_end(client, regional_frame):
    """Upload → ingest keeps the dimensions and the order id → the chat groups, filters
    and counts orders with them, and refuses the discount rate as money."""
    created = upload(client, regional_frame.to_csv(index=False).encode(), "shop.csv")
    assert created.status_code == 201, created.get_json()
    sid = created.get_json()["session_id"]

    body = ask(client, sid, "Which region made the most revenue?").get_json()
    by_region = regional_frame.groupby("Region")["Revenue"].sum()
    best = by_region.idxmax()
    assert f"`{best}`: {format_money(float(by_region.max()), '$')}" in body["answer"]

    body = ask(client, sid, "What was revenue for Web in 2023?").get_json()
    web = regional_frame.loc[
        (regional_frame["Channel"] == "Web")
        & regional_frame["Date"].str.startswith("2023")
    ]
    expected = format_money(round(float(web["Revenue"].sum()), 2), "$", decimals=2)
    assert expected in body["answer"]

    body = ask(client, sid, "How many orders in 2024?").get_json()
    orders = regional_frame.loc[
        regional_frame["Date"].str.startswith("2024"), "Order ID"
    ]
    assert f"**{orders.nunique():,}**" in body["answer"]

    body = ask(client, sid, "How much did discounts cost us?").get_json()
    assert "won't answer a different question" in body["answer"]
    assert "Discount" in body["answer"]
    assert not [f for f in body["facts"] if isinstance(f["value"], (int, float))]
