"""The "What changed" card: the change against the comparison period chosen on the
time series, split by the values that moved most; follows the filters."""

from __future__ import annotations

from dash import Dash, Input, Output, html

from analytics.formatting import format_date, format_money
from analytics.metrics import FilterError
from callbacks.context import store
from callbacks.filters import VIEW_INPUTS, filters_of
from components import ids
from components.figures import changes_figure, empty_figure
from services.views import load_view, view_changes, view_comparison


def update_changes(
    session_id: str | None,
    filters: dict | None,
    compare: str | None,
    measure: str | None,
    granularity: str | None,
) -> tuple:
    """(explanation, waterfall figure, class of the chart's box).

    With nothing to compare, the card is one line saying why: the chart's box is
    hidden (``CHART_HIDDEN``) and its figure left empty."""
    filters = filters_of(filters)
    if compare not in ("previous_period", "year_ago"):
        return _only_text("Choose a comparison on the chart above to see what changed.")
    try:
        view = load_view(store(), session_id or "", filters)
        if view is None:
            return _only_text("This session has expired.")
        comparison = view_comparison(view, compare, granularity)
        if comparison is None:
            raise FilterError("No dated rows in view: there is nothing to compare.")
        if not comparison.covered:
            raise FilterError(
                f"The data does not reach back to {comparison.describe()} "
                f"({comparison.label}), so there is nothing to compare with."
            )
        change = view_changes(
            view, compare, measure=measure or "revenue", granularity=granularity
        )
    except FilterError as error:
        return _only_text(str(error))
    currency = view.dataset.meta.currency_symbol
    by = {"category": "category", "sku": "SKU", "customer": "customer"}.get(
        change.by, change.by
    )
    text = [
        html.Span(
            f"{change.measure.capitalize()} {format_money(change.current, currency)} "
            f"({format_date(change.start)} – {format_date(change.end)}) against "
            f"{format_money(change.previous, currency)} ({comparison.label}, "
            f"{format_date(change.previous_start)} – {format_date(change.previous_end)}): "
        ),
        html.Strong(
            f"{'+' if change.change >= 0 else ''}{format_money(change.change, currency)}"
        ),
        html.Span(f", by {by}."),
        *[html.Div(note, className="text-muted") for note in change.notes],
    ]
    if change.rows.empty:
        return (
            [*text, html.Div("No value moved: nothing to split.")],
            empty_figure("", height=340),
            CHART_HIDDEN,
        )
    return text, changes_figure(change.rows, change.change, currency), CHART_SHOWN


#: Class of the waterfall's box when it has bars, and when the card is one line.
CHART_SHOWN = ""
CHART_HIDDEN = "d-none"


def _only_text(message: str) -> tuple:
    """The card as one line: the message, no chart."""
    return (
        html.Span(message, className="text-muted"),
        empty_figure("", height=340),
        CHART_HIDDEN,
    )


def register(app: Dash) -> None:
    app.callback(
        Output(ids.CHANGES_TEXT, "children"),
        Output(ids.CHANGES_GRAPH, "figure"),
        Output(ids.CHANGES_CHART, "className"),
        *VIEW_INPUTS,
        Input(ids.COMPARE, "value"),
        Input(ids.CHANGES_MEASURE, "value"),
        Input(ids.GRANULARITY, "value"),
    )(update_changes)
