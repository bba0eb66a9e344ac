"""The assistant's two cards: "Insights" and the "Ask about your data" chat panel.

Answers and insight texts are markdown from ``analytics.chat`` / ``analytics.insights``
and are rendered with ``dcc.Markdown`` with HTML off: file text inside them is data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from analytics.formatting import format_number
from components import ids

SUGGESTED_QUESTIONS: tuple[str, ...] = (
    "What are the main revenue trends this year?",
    "Top 5 products by profit",
    "Which SKUs are underperforming and why?",
    "How can I improve my profit margin?",
    "What is the forecast for next quarter?",
)
NO_MODEL = "none"
#: Insight kind → (symbol, Bootstrap colour); trends and margins turn red when they fall.
INSIGHT_STYLES: dict[str, tuple[str, str]] = {
    "revenue_trend": ("↗", "primary"),
    "margin": ("%", "success"),
    "skus": ("▤", "info"),
    "anomaly": ("!", "warning"),
    "forecast": ("➚", "secondary"),
    "category_mix": ("◧", "info"),
    "seasonality": ("◔", "secondary"),
    "order_size": ("¤", "secondary"),
}
WELCOME = (
    "Ask me about your data: totals, trends, top products, margins, forecasts. Every figure "
    "I give is computed from your file, never made up; the AI model, when available, only "
    "rewords the answer."
)


# -- insights ---------------------------------------------------------------------------------


def insights_card() -> dbc.Card:
    """The "Insights" card; ``ids.INSIGHTS_BODY`` is filled by a callback."""
    return dbc.Card(
        [
            dbc.CardHeader(
                html.H2("Insights", className="h6 fw-semibold mb-0"),
                className="d-flex align-items-center bg-white",
            ),
            dbc.CardBody(
                dcc.Loading(
                    html.Div(
                        html.Div("Reading your data…", className="text-muted small"),
                        id=ids.INSIGHTS_BODY,
                    ),
                    type="dot",
                    delay_show=400,
                ),
                className="p-3",
            ),
        ],
        className="shadow-sm mb-4 insights-card",
    )


def _change_sign(facts: Sequence[Mapping[str, Any]]) -> float | None:
    """The first change among the facts ("Change in revenue…", "Forecast change…")."""
    for fact in facts:
        value = fact.get("value")
        if "change" in str(fact.get("label", "")).lower() and isinstance(
            value, (int, float)
        ):
            return float(value)
    return None


def insight_style(item: Mapping[str, Any]) -> tuple[str, str]:
    """The symbol and colour of an insight: by kind, red with a falling arrow on a fall."""
    kind = str(item.get("kind", ""))
    symbol, color = INSIGHT_STYLES.get(kind, ("•", "secondary"))
    change = _change_sign(item.get("facts") or [])
    if (
        kind in ("revenue_trend", "margin", "forecast")
        and change is not None
        and change < 0
    ):
        return ("↘" if kind != "margin" else symbol), "danger"
    return symbol, color


def fact_list(facts: Sequence[Mapping[str, Any]]) -> html.Details | None:
    """The figures behind an insight, folded away: each label with its value."""
    rows = [
        html.Li(
            [
                f"{fact.get('label', '')}: ",
                html.Span(str(fact["display"]), className="fw-semibold"),
            ]
        )
        for fact in facts
        if fact.get("display")
    ]
    if not rows:
        return None
    return html.Details(
        [
            html.Summary("The figures", className="text-muted"),
            html.Ul(rows, className="ps-3 mb-0 mt-1 text-muted"),
        ],
        className="small mt-1 insight-facts",
    )


def markdown(text: str, class_name: str, **props: Any) -> dcc.Markdown:
    """Markdown from the analytics modules, with raw HTML never rendered."""
    return dcc.Markdown(
        text, className=class_name, dangerously_allow_html=False, **props
    )


def insight_item(item: Mapping[str, Any]) -> html.Div:
    symbol, color = insight_style(item)
    body = [
        html.Div(str(item.get("title", "")), className="fw-semibold small mb-1"),
        markdown(str(item.get("text", "")), "small mb-0 insight-text"),
    ]
    figures = fact_list(item.get("facts") or [])
    if figures is not None:
        body.append(figures)
    return html.Div(
        [
            html.Span(
                symbol,
                className=f"insight-icon rounded-circle text-bg-{color} fw-bold flex-shrink-0 "
                "d-inline-flex align-items-center justify-content-center me-2",
                style={"width": "2rem", "height": "2rem"},
                **{"aria-hidden": "true"},
            ),
            html.Div(body, className="flex-grow-1 min-w-0"),
        ],
        className=f"d-flex h-100 p-2 rounded border-start border-3 border-{color} bg-light "
        f"insight insight-{item.get('kind', 'other')}",
    )


def insights_content(result: Mapping[str, Any]) -> list:
    """The card's body for ``services.assistant.dashboard_insights`` output."""
    items = list(result.get("insights") or [])
    content: list = [
        markdown(str(result.get("summary", "")), "mb-3 insights-summary"),
    ]
    if items:
        content.append(
            dbc.Row(
                # three across on wide screens; four as two rows of two
                [
                    dbc.Col(
                        insight_item(item), xs=12, md=6, xl=6 if len(items) == 4 else 4
                    )
                    for item in items
                ],
                className="g-2",
            )
        )
    content.append(html.Div(_source_line(result), className="small text-muted mt-2"))
    return content


def _source_line(result: Mapping[str, Any]) -> str:
    based_on = result.get("based_on") or {}
    parts = ["Computed from your data"]
    if based_on.get("period"):
        parts.append(
            f"{based_on['period']}, {format_number(based_on.get('rows', 0))} rows"
        )
    model = result.get("model") or NO_MODEL
    if model != NO_MODEL:
        parts.append(f"worded by {model}; every figure checked")
    line = " · ".join(parts) + "."
    if result.get("note"):
        line += f" {result['note']}"
    return line


# -- chat -------------------------------------------------------------------------------------


def chat_card() -> dbc.Card:
    """The chat panel: messages, suggested questions, the question box and Send/Cancel."""
    suggestions = html.Div(
        [
            dbc.Button(
                question,
                id={"type": ids.CHAT_SUGGESTION, "index": index},
                color="outline-secondary",
                size="sm",
                className="rounded-pill chat-suggestion",
            )
            for index, question in enumerate(SUGGESTED_QUESTIONS)
        ],
        className="d-flex flex-wrap gap-2 mb-2",
        **{"aria-label": "Suggested questions"},
    )
    streaming = html.Div(
        [
            html.Div(id=ids.CHAT_STATUS, className="small text-muted fst-italic mb-1"),
            markdown("", "small text-muted mb-0", id=ids.CHAT_STREAM),
        ],
        id=ids.CHAT_STREAM_BOX,
        className="d-none",
    )
    form = dbc.InputGroup(
        [
            dbc.Input(
                id=ids.CHAT_INPUT,
                type="text",
                placeholder="Ask about revenue, products, margins, forecasts…",
                maxLength=500,
                autoComplete="off",
                n_submit=0,
            ),
            dbc.Button(
                [
                    html.Span(
                        id=ids.CHAT_SEND_SPINNER,
                        className="spinner-border spinner-border-sm me-1 d-none",
                        role="status",
                        **{"aria-hidden": "true"},
                    ),
                    "Send",
                ],
                id=ids.CHAT_SEND,
                color="primary",
                n_clicks=0,
            ),
            dbc.Button(
                "Cancel",
                id=ids.CHAT_CANCEL,
                color="outline-secondary",
                className="d-none",
            ),
            # shown when the answer's job failed, timed out or was lost
            dbc.Button(
                "Retry",
                id=ids.CHAT_RETRY,
                color="outline-primary",
                n_clicks=0,
                className="d-none",
            ),
        ],
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.H2("Ask about your data", className="h6 fw-semibold mb-0"),
                className="d-flex align-items-center bg-white",
            ),
            dbc.CardBody(
                [
                    dcc.Store(id=ids.CHAT_PENDING),
                    html.Div(
                        html.Div(
                            [welcome_message()],
                            id=ids.CHAT_MESSAGES,
                            className="d-flex flex-column gap-2",
                        ),
                        className="d-flex flex-column-reverse overflow-auto border rounded "
                        "bg-light p-2 mb-2 chat-log",
                        style={"maxHeight": "32rem"},
                        role="log",
                        **{"aria-live": "polite"},
                    ),
                    streaming,
                    suggestions,
                    html.Label(
                        "Your question",
                        htmlFor=ids.CHAT_INPUT,
                        className="visually-hidden",
                    ),
                    form,
                ],
                className="p-2 p-md-3",
            ),
        ],
        className="shadow-sm mb-4 chat-card",
    )


def welcome_message() -> html.Div:
    return _bubble([html.Div(WELCOME, className="small")], mine=False)


def _bubble(children: list, *, mine: bool) -> html.Div:
    if mine:
        inner = html.Div(
            children,
            className="bg-primary text-white rounded-3 px-3 py-2",
            style={
                "maxWidth": "85%",
                "whiteSpace": "pre-wrap",
                "overflowWrap": "anywhere",
            },
        )
        return html.Div(inner, className="d-flex justify-content-end chat-question")
    inner = html.Div(
        children,
        className="bg-white border rounded-3 px-3 py-2",
        style={"maxWidth": "95%", "overflowWrap": "anywhere"},
    )
    return html.Div(inner, className="d-flex chat-answer")


def question_bubble(question: str) -> html.Div:
    return _bubble([question], mine=True)


def describe_filters(filters: Mapping[str, Any] | None) -> str | None:
    """``{"start", "end", "categories", "sku_query", "dimensions"}`` in words (as the
    dashboard's filter summary words them); None when nothing is filtered."""
    filters = filters or {}
    parts = []
    if filters.get("start") or filters.get("end"):
        parts.append(
            f"dates {filters.get('start') or 'start'} to {filters.get('end') or 'end'}"
        )
    if filters.get("categories"):
        parts.append("category " + ", ".join(map(str, filters["categories"])))
    if filters.get("sku_query"):
        parts.append(f"SKU contains “{filters['sku_query']}”")
    for column, values in (filters.get("dimensions") or {}).items():
        if values:
            parts.append(f"{column} " + ", ".join(map(str, values)))
    return "; ".join(parts) or None


def based_on_line(based_on: Mapping[str, Any] | None) -> str:
    based_on = based_on or {}
    parts = []
    if based_on.get("period"):
        parts.append(str(based_on["period"]))
    if based_on.get("rows") is not None:
        parts.append(f"{format_number(int(based_on['rows']))} rows")
    filters = describe_filters(based_on.get("filters"))
    if filters:
        parts.append(filters)
    return "Based on: " + (" · ".join(parts) if parts else "your data")


def answer_bubble(turn: Mapping[str, Any]) -> html.Div:
    """An answer: markdown (HTML off), what it is based on, and whether the model wrote it."""
    model = turn.get("model") or NO_MODEL
    footer: list = [html.Span(based_on_line(turn.get("based_on")))]
    if model != NO_MODEL:
        footer.append(
            html.Span(f" · worded by {model}, figures checked", className="chat-model")
        )
    children: list = [
        markdown(str(turn.get("answer", "")), "mb-1 chat-markdown"),
        html.Div(footer, className="small text-muted chat-based-on"),
    ]
    if turn.get("note") or model == NO_MODEL:
        note = turn.get("note") or "Answered without the AI model."
        children.append(
            html.Div(note, className="small text-muted fst-italic chat-note")
        )
    return _bubble(children, mine=False)


def error_bubble(message: str) -> html.Div:
    return _bubble(
        [dbc.Alert(message, color="warning", className="small mb-0 py-1 px-2")],
        mine=False,
    )


def chat_messages(history: Sequence[Mapping[str, Any]]) -> list:
    """The whole conversation, oldest first, after the welcome message."""
    out: list = [welcome_message()]
    for turn in history:
        out.append(question_bubble(str(turn.get("question", ""))))
        out.append(answer_bubble(turn))
    return out
