"""The dashboard's filters: one dict in one store, the page's address, column filters.

The four filter controls (dates, categories, SKU search) and the column filters
(``ids.FILTER_DIMENSIONS``) are gathered in the browser into ``ids.FILTERS`` as
``{start, end, categories, sku, dimensions}`` (``assets/filters.js``); every callback
that follows the filters takes that one dict (``FILTERS_INPUT``) and reads it with
``filters_of``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pandas as pd
from dash import ALL, MATCH, ClientsideFunction, Dash, Input, Output, State
from dash.exceptions import PreventUpdate

from analytics.metrics import FEW_SALES_BELOW
from callbacks.context import store, triggered_id
from components import ids
from components.dashboard import DEFAULT_COMPARE
from components.filters import VALUE_OPTIONS_SHOWN, dimension_filter_row
from services.views import (
    Filters,
    View,
    cached_dataset,
    column_values,
    join_filter_values,
    split_filter_values,
)

#: The filters as callbacks take them: one dict (see ``filters_of``).
FILTERS_INPUT = Input(ids.FILTERS, "data")
FILTERS_STATE = State(ids.FILTERS, "data")
#: What every callback following the filters takes first: the session and the filters.
VIEW_INPUTS = [Input(ids.SESSION_ID, "data"), FILTERS_INPUT]


def filters_of(data: dict | None) -> Filters:
    """The ``Filters`` of the page's filter dict (``None``: no filter)."""
    data = data or {}
    return Filters.from_inputs(
        data.get("start"),
        data.get("end"),
        data.get("categories"),
        data.get("sku"),
        data.get("dimensions"),
    )


def min_sales_of(hide_few: bool | None, value: object) -> int | None:
    """The "hide SKUs with fewer than N sales" switch as a number, or None when off.

    An empty or unusable N falls back to the few-sales mark (3).
    """
    if not hide_few:
        return None
    try:
        number = int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return FEW_SALES_BELOW
    return number if number >= 1 else FEW_SALES_BELOW


def download_links(view: View, min_sales: int | None = None) -> list[str]:
    """Data CSV/XLSX and SKU ranking CSV/XLSX links under the view's filters; the ranking
    links also hide SKUs with fewer than ``min_sales`` sales, as the table does."""
    sid = view.dataset.meta.session_id
    query = filter_params(view.filters)
    suffix = f"?{urlencode(query)}" if query else ""
    if min_sales is not None:
        query.append(("min_sales", str(min_sales)))
    ranking = f"?{urlencode(query)}" if query else ""
    return [
        f"/api/export/{sid}/data.csv{suffix}",
        f"/api/export/{sid}/data.xlsx{suffix}",
        f"/api/export/{sid}/skus.csv{ranking}",
        f"/api/export/{sid}/skus.xlsx{ranking}",
    ]


def filter_params(filters: Filters) -> list[tuple[str, str]]:
    """The filters as query parameters of ``/api/data`` and the exports: ``start``,
    ``end``, ``category``, ``sku`` and one ``filter=Column:value`` per chosen value."""
    params = [
        (k, v)
        for k, v in (
            ("start", filters.start),
            ("end", filters.end),
            ("category", ",".join(filters.categories)),
            ("sku", filters.sku_query),
        )
        if v
    ]
    params += [
        ("filter", f"{column}:{join_filter_values([value])}")
        for column, values in filters.dimensions
        for value in values
    ]
    return params


#: Query parameters of the dashboard's address this page reads and writes.
STATE_PARAMS = {"start", "end", "category", "sku", "filter", "by", "compare"}


COMPARE_CHOICES = {"off", "previous_period", "year_ago"}


def parse_search(search: str | None) -> dict:
    """The selection in a dashboard address's query string (``?start=…&end=…&
    category=A,B&sku=…&filter=Column:v1,v2&by=Column&compare=year_ago``; ``filter``
    repeatable) as ``{start, end, categories, sku, dimensions: {column: [values]}, by,
    compare}``. A ``filter``
    without a column or values is left out."""
    state: dict = {"dimensions": {}}
    for key, value in parse_qsl((search or "").lstrip("?"), keep_blank_values=False):
        value = value.strip()
        if key in ("start", "end") and value:
            state[key] = value[:10]
        elif key == "category":
            state["categories"] = [c.strip() for c in value.split(",") if c.strip()]
        elif key == "sku" and value:
            state["sku"] = value
        elif key == "by" and value:
            state["by"] = value
        elif key == "compare" and value in COMPARE_CHOICES:
            state["compare"] = value
        elif key == "filter":
            column, sep, values = value.partition(":")
            picked = split_filter_values(values)
            if sep and column.strip() and picked:
                chosen = state["dimensions"].setdefault(column.strip(), [])
                chosen.extend(v for v in picked if v not in chosen)
    return state


def state_search(
    filters: dict | None,
    by: str | None,
    current: str | None = None,
    compare: str | None = None,
) -> str:
    """The query string holding the selection (the page's filter dict, the breakdown
    column, the comparison); parameters of ``current`` this page does not own (such as
    ``v``) are kept."""
    kept = [
        (k, v)
        for k, v in parse_qsl((current or "").lstrip("?"), keep_blank_values=True)
        if k not in STATE_PARAMS
    ]
    params = [*kept, *filter_params(filters_of(filters))]
    if by:
        params.append(("by", by))
    if compare in COMPARE_CHOICES and compare != DEFAULT_COMPARE:
        params.append(("compare", compare))
    return f"?{urlencode(params)}" if params else ""


def write_search(
    filters: dict | None,
    by: str | None,
    compare: str | None,
    pathname: str | None,
    current: str | None,
) -> str:
    """Keep the dashboard's selection in its address (bookmarkable, reloadable)."""
    if not (pathname or "").startswith("/dashboard/"):
        raise PreventUpdate
    search = state_search(filters, by, current, compare)
    if search == (current or ""):
        raise PreventUpdate
    return search


# -- column filters --------------------------------------------------------------------------


def _chosen(values: list | None, value_ids: list | None) -> dict[str, list[str]]:
    return {
        item["column"]: list(chosen or [])
        for item, chosen in zip(value_ids or [], values or [], strict=False)
    }


def _dimension_rows(session_id: str | None, chosen: dict[str, list[str]]) -> list:
    dataset = cached_dataset(store(), session_id or "")
    return [
        dimension_filter_row(
            column,
            values,
            column_values(dataset, column)[:VALUE_OPTIONS_SHOWN] if dataset else [],
        )
        for column, values in chosen.items()
    ]


def edit_dimension_filters(
    add: str | None,
    _remove_clicks: list | None,
    bar_click: dict | None,
    _clear_clicks: int | None,
    values: list | None,
    value_ids: list | None,
    by: str | None,
    session_id: str | None,
) -> tuple:
    """Add a column filter (the "Add filter" picker, or a clicked breakdown bar, which
    also picks that value), remove one, or clear them all; returns the filter rows,
    the chosen values and a reset picker."""
    trigger = triggered_id()
    chosen = _chosen(values, value_ids)
    if trigger == ids.FILTER_ADD:
        if not add:
            raise PreventUpdate
        chosen.setdefault(add, [])
    elif trigger == ids.BREAKDOWN_GRAPH:
        point = ((bar_click or {}).get("points") or [{}])[0]
        value = point.get("customdata")
        if value is None or not by:
            raise PreventUpdate
        picked = chosen.setdefault(by, [])
        if str(value) not in picked:
            picked.append(str(value))
    elif trigger == ids.CLEAR_FILTERS:
        chosen = {}
    elif isinstance(trigger, dict) and trigger.get("type") == ids.DIM_REMOVE:
        if not any(_remove_clicks or []):
            raise PreventUpdate
        chosen.pop(trigger.get("column"), None)
    else:
        raise PreventUpdate
    return (
        _dimension_rows(session_id, chosen),
        {c: v for c, v in chosen.items() if v},
        None,
    )


def collect_dimension_values(values: list | None, value_ids: list | None) -> dict:
    """The column filters' chosen values as ``{column: [values]}``."""
    return {c: v for c, v in _chosen(values, value_ids).items() if v}


def search_column_values(
    search: str | None,
    chosen: list[str] | None,
    session_id: str | None,
    component_id: dict | None = None,
) -> list[dict]:
    """The values a column filter offers: those chosen, then those containing what
    the user types (ignoring case), at most ``VALUE_OPTIONS_SHOWN``."""
    if component_id is None:
        component_id = triggered_id() or {}
    dataset = cached_dataset(store(), session_id or "")
    if dataset is None or not isinstance(component_id, dict):
        raise PreventUpdate
    values = pd.Series(column_values(dataset, component_id.get("column", "")))
    if search:
        values = values[values.str.contains(search, case=False, regex=False)]
    offered = list(
        dict.fromkeys([*(chosen or []), *values.head(VALUE_OPTIONS_SHOWN).tolist()])
    )
    return [{"label": v, "value": v} for v in offered]


def filter_by_clicked_category(
    click: dict | None, current: list[str] | None
) -> list[str]:
    """Clicking a category bar filters to it (clicking it again keeps it)."""
    if not click or not click.get("points"):
        raise PreventUpdate
    category = click["points"][0].get("customdata") or click["points"][0].get("y")
    if category is None:
        raise PreventUpdate
    return [str(category)]


def clear_filters(n_clicks: int | None) -> tuple:
    if not n_clicks:
        raise PreventUpdate
    return None, None, [], ""


def register(app: Dash) -> None:
    # the controls' values gathered into the one filter dict, in the browser (the page
    # arrives with the dict of its address, so nothing is gathered at first)
    app.clientside_callback(
        ClientsideFunction(namespace="smbrc", function_name="gatherFilters"),
        Output(ids.FILTERS, "data"),
        Input(ids.FILTER_DATES, "start_date"),
        Input(ids.FILTER_DATES, "end_date"),
        Input(ids.FILTER_CATEGORY, "value"),
        Input(ids.FILTER_SKU, "value"),
        Input(ids.FILTER_DIMENSIONS, "data"),
        prevent_initial_call=True,
    )
    app.callback(
        Output(ids.FILTER_DIMS_BOX, "children"),
        Output(ids.FILTER_DIMENSIONS, "data"),
        Output(ids.FILTER_ADD, "value"),
        Input(ids.FILTER_ADD, "value"),
        Input({"type": ids.DIM_REMOVE, "column": ALL}, "n_clicks"),
        Input(ids.BREAKDOWN_GRAPH, "clickData"),
        Input(ids.CLEAR_FILTERS, "n_clicks"),
        State({"type": ids.DIM_VALUES, "column": ALL}, "value"),
        State({"type": ids.DIM_VALUES, "column": ALL}, "id"),
        State(ids.BREAKDOWN_BY, "value"),
        State(ids.SESSION_ID, "data"),
        prevent_initial_call=True,
    )(edit_dimension_filters)
    app.callback(
        Output(ids.FILTER_DIMENSIONS, "data", allow_duplicate=True),
        Input({"type": ids.DIM_VALUES, "column": ALL}, "value"),
        State({"type": ids.DIM_VALUES, "column": ALL}, "id"),
        prevent_initial_call=True,
    )(collect_dimension_values)
    app.callback(
        Output({"type": ids.DIM_VALUES, "column": MATCH}, "options"),
        Input({"type": ids.DIM_VALUES, "column": MATCH}, "search_value"),
        State({"type": ids.DIM_VALUES, "column": MATCH}, "value"),
        State(ids.SESSION_ID, "data"),
        prevent_initial_call=True,
    )(search_column_values)
    app.callback(
        Output(ids.URL, "search"),
        FILTERS_INPUT,
        Input(ids.BREAKDOWN_BY, "value"),
        Input(ids.COMPARE, "value"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(write_search)
    app.callback(
        Output(ids.FILTER_CATEGORY, "value"),
        Input(ids.CATEGORY_GRAPH, "clickData"),
        State(ids.FILTER_CATEGORY, "value"),
        prevent_initial_call=True,
    )(filter_by_clicked_category)
    app.callback(
        Output(ids.FILTER_DATES, "start_date"),
        Output(ids.FILTER_DATES, "end_date"),
        Output(ids.FILTER_CATEGORY, "value", allow_duplicate=True),
        Output(ids.FILTER_SKU, "value"),
        Input(ids.CLEAR_FILTERS, "n_clicks"),
        prevent_initial_call=True,
    )(clear_filters)
