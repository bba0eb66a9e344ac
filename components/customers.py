"""The dashboard's Customers section: headline figures, new vs returning revenue per
month, the cohort retention heatmap, RFM segments and the top customers (filled by
``callbacks.customers``). Shown only when the data has a customer column."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import html

from analytics.formatting import d3_date_format, format_date, format_number
from components import ids
from components.cards import chart_card, graph
from components.figures import base_layout, empty_figure, money_hover

if TYPE_CHECKING:
    from services.session_meta import SessionMeta


def customers_section(meta: SessionMeta) -> html.Div:
    """The section; hidden while no column is mapped to Customer (the callback shows it
    when the data has customer ids)."""
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Customers", className="h5 fw-semibold mb-0"),
                    html.A(
                        "Download customers (CSV)",
                        id=ids.DOWNLOAD_CUSTOMERS_CSV,
                        href="#",
                        className="btn btn-sm btn-outline-secondary ms-auto",
                    ),
                ],
                className="d-flex align-items-center gap-2 mb-2",
            ),
            html.Div(id=ids.CUSTOMERS_NOTES),
            dbc.Row(id=ids.CUSTOMERS_KPIS, className="g-3 mb-4"),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card(
                            "Revenue from new and returning customers",
                            graph(ids.CUSTOMERS_MONTHLY_GRAPH, 320),
                            hint="New = the customer's first month of purchases in "
                            "this data; returning = any later month.",
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        chart_card(
                            "Cohort retention",
                            graph(ids.CUSTOMERS_COHORT_GRAPH, 320),
                            hint="Rows: customers by the month of their first purchase. "
                            "Columns: months since. Cells: share who bought again that "
                            "month (blank = not observed yet).",
                        ),
                        lg=6,
                    ),
                ],
                className="g-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card(
                            "RFM segments",
                            html.Div(id=ids.CUSTOMERS_SEGMENTS),
                            hint="Recency, frequency and monetary value scored 1–5 "
                            "by quintile; the rules name the segment.",
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        chart_card("Top customers", html.Div(id=ids.CUSTOMERS_TOP)),
                        lg=6,
                    ),
                ],
                className="g-3",
            ),
        ],
        id=ids.CUSTOMERS_SECTION,
        hidden=not meta.has_customers,
        className="customers-section mt-2",
    )


def new_returning_figure(monthly: pd.DataFrame, currency: str = "$") -> go.Figure:
    """Stacked bars: revenue of new and of returning customers per month."""
    if monthly.empty:
        return empty_figure("No customer purchases in this view.", height=320)
    fig = go.Figure()
    for column, name, colour in (
        ("new", "New customers", "#0d6efd"),
        ("returning", "Returning customers", "#20c997"),
    ):
        fig.add_bar(
            x=monthly["month"],
            y=monthly[column],
            name=name,
            marker_color=colour,
            hovertemplate=f"{money_hover('y', currency)}<extra>{name}</extra>",
        )
    fig.update_layout(barmode="relative")
    fig.update_xaxes(hoverformat=d3_date_format("month"))
    return base_layout(fig, height=320)


def cohort_figure(cohorts: pd.DataFrame, sizes: pd.Series) -> go.Figure:
    """Heatmap of the cohort retention shares (months since first purchase ≥ 1)."""
    if cohorts.empty or cohorts.shape[1] < 2:
        return empty_figure(
            "Retention needs purchases in at least two months.", height=320
        )
    shares = cohorts.iloc[:, 1:]
    labels = [
        f"{format_date(m, 'month')} ({format_number(n)})"
        for m, n in zip(cohorts.index, sizes, strict=True)
    ]
    text = np.where(
        np.isnan(shares.to_numpy()), "", np.char.mod("%.0f%%", shares.to_numpy() * 100)
    )
    fig = go.Figure(
        go.Heatmap(
            z=shares.to_numpy() * 100,
            x=[str(c) for c in shares.columns],
            y=labels,
            text=text,
            texttemplate="%{text}" if shares.size <= 400 else None,
            colorscale="Blues",
            zmin=0,
            hoverongaps=False,
            colorbar={"title": "%", "thickness": 10},
            hovertemplate="%{y}<br>%{x} months later: %{z:.1f}%<extra></extra>",
        )
    )
    fig = base_layout(fig, height=max(320, 18 * len(labels) + 80))
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(autorange="reversed", tickformat=None, title=None)
    fig.update_xaxes(title="Months since first purchase")
    return fig
