"""The "What changed" card: the change against the comparison period chosen on the
time series, split by the values that moved most; follows the filters."""

from __future__ import annotations

from dash import Dash, Input, Output, html

from analytics.filters import FilterError
from analytics.formatting import format_money
from callbacks.context import store
from callbacks.dashboard import DIMENSIONS_INPUT, FILTER_INPUTS
from components import ids
from components.figures import changes_figure, empty_figure
from services.views import Filters, load_view, view_changes, view_comparison


def update_changes(
    session_id: str | None,
    start: str | None,
    end: str | None,
    categories: list[str] | None,
    sku_query: str | None,
    compare: str | None,
    measure: str | None,
    granularity: str | None,
    dimensions: dict[str, list[str]] | None = None,
) -> tuple:
    """(explanation, waterfall figure)."""
    filters = Filters.from_inputs(start, end, categories, sku_query, dimensions)
    if compare not in ("previous_period", "year_ago"):
        message = "Choose a comparison on the chart above to see what changed."
        return message, empty_figure(message, height=340)
    try:
        view = load_view(store(), session_id or "", filters)
        if view is None:
            return "", empty_figure("This session has expired.", height=340)
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
        return str(error), empty_figure(str(error), height=340)
    currency = view.dataset.meta.get("currency") or "$"
    by = {"category": "category", "sku": "SKU", "customer": "customer"}.get(
        change.by, change.by
    )
    text = [
        html.Span(
            f"{change.measure.capitalize()} {format_money(change.current, currency)} "
            f"({change.start:%Y-%m-%d} – {change.end:%Y-%m-%d}) against "
            f"{format_money(change.previous, currency)} ({comparison.label}, "
            f"{change.previous_start:%Y-%m-%d} – {change.previous_end:%Y-%m-%d}): "
        ),
        html.Strong(
            f"{'+' if change.change >= 0 else ''}{format_money(change.change, currency)}"
        ),
        html.Span(f", by {by}."),
        *[html.Div(note, className="text-muted") for note in change.notes],
    ]
    return text, changes_figure(change.rows, change.change, currency)


def register(app: Dash) -> None:
    app.callback(
        Output(ids.CHANGES_TEXT, "children"),
        Output(ids.CHANGES_GRAPH, "figure"),
        *FILTER_INPUTS,
        Input(ids.COMPARE, "value"),
        Input(ids.CHANGES_MEASURE, "value"),
        Input(ids.GRANULARITY, "value"),
        DIMENSIONS_INPUT,
    )(update_changes)
