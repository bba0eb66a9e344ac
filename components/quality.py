"""Data quality report and mapping review: what was read, what was set aside, and which
column plays which role, with a dropdown per role to correct it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from analytics.formatting import format_number, format_pct
from analytics.schema import ROLE_LABELS, ROLES
from components import ids
from components.files import files_section

if TYPE_CHECKING:
    from services.session_meta import SessionMeta

NONE_VALUE = "__none__"


def _confidence_badge(value: float | None) -> dbc.Badge | str:
    if value is None:
        return ""
    color = "success" if value >= 0.8 else ("warning" if value >= 0.5 else "danger")
    return dbc.Badge(format_pct(value, decimals=0), color=color, className="ms-1")


def _read_facts(read: dict[str, Any]) -> list[str]:
    facts = [f"File type: {str(read.get('file_type') or '?').upper()}"]
    if read.get("encoding"):
        facts.append(f"Encoding: {read['encoding']}")
    if read.get("delimiter"):
        names = {
            ",": "comma",
            ";": "semicolon",
            "\t": "tab",
            "|": "pipe",
            "whitespace": "spaces (aligned columns)",
            "fixed-width": "none (fixed-width columns)",
        }
        facts.append(
            f"Delimiter: {names.get(read['delimiter'], repr(read['delimiter']))}"
        )
    if read.get("decimal"):
        facts.append(
            f"Decimal mark: “{read['decimal']}”"
            + (f", thousands “{read['thousands']}”" if read.get("thousands") else "")
        )
    if read.get("date_order"):
        facts.append(f"Date order: {read['date_order']}")
    if read.get("sheet"):
        sheets = read.get("sheets") or []
        facts.append(
            f"Sheet: {read['sheet']}"
            + (f" (of {', '.join(sheets)})" if len(sheets) > 1 else "")
        )
    header_rows = read.get("header_rows") or []
    if len(header_rows) > 1:
        facts.append(f"Header rows: {header_rows[0]}–{header_rows[-1]} (combined)")
    elif read.get("header_row"):
        facts.append(f"Header row: {read['header_row']}")
    return facts


def _sheet_switcher(meta: SessionMeta, current: str | None) -> html.Div | None:
    """A workbook's sheets as a dropdown, to read another sheet (None for one sheet)."""
    sheets = meta.sheets
    if len(sheets) < 2:
        return None
    options = [
        {
            "label": f"{s['name']} ({format_number(s.get('rows', 0))} rows with data)",
            "value": s["name"],
        }
        for s in sheets
    ]
    return html.Div(
        [
            html.Label(
                "Sheet",
                htmlFor=ids.SHEET_SELECT,
                className="h6 fw-semibold mt-3 d-block",
            ),
            html.P(
                "This workbook has several sheets. Read another one if these are not the "
                "transactions you want to see.",
                className="small text-muted mb-2",
            ),
            html.Div(
                [
                    dbc.Select(
                        id=ids.SHEET_SELECT,
                        options=options,
                        value=current,
                        size="sm",
                        name="sheet",
                        className="flex-grow-1",
                    ),
                    dbc.Button(
                        "Read this sheet",
                        id=ids.SHEET_APPLY,
                        color="secondary",
                        outline=True,
                        size="sm",
                        className="text-nowrap",
                    ),
                ],
                className="d-flex gap-2 align-items-center",
            ),
            html.Div(id=ids.SHEET_STATUS, className="mt-2"),
            dcc.Location(id=ids.SHEET_RELOAD, refresh=True),
        ],
        className="sheet-switcher",
    )


_KIND_TITLES = (
    ("dimension", "Dimensions (group and filter by)"),
    ("measure", "Measures"),
    ("date", "Dates"),
    ("identifier", "Identifiers"),
    ("text", "Free text"),
)


def column_kinds(columns: list[dict[str, Any]] | None) -> html.Div | None:
    """A compact list of the file's columns by kind (see ``analytics.dataset_model``);
    a measure shows its unit, a column playing a role shows the role."""
    if not columns:
        return None
    lines = []
    for kind, title in _KIND_TITLES:
        names = []
        for column in columns:
            if column.get("kind") != kind:
                continue
            extra = []
            if kind == "measure" and column.get("unit"):
                extra.append(column["unit"])
            if column.get("role"):
                extra.append(ROLE_LABELS.get(column["role"], column["role"]).lower())
            names.append(column["name"] + (f" ({', '.join(extra)})" if extra else ""))
        if names:
            lines.append(
                html.Li(
                    [html.Span(f"{title}: ", className="fw-semibold"), ", ".join(names)]
                )
            )
    return html.Div(
        [
            html.H3("Columns", className="h6 fw-semibold mt-3"),
            html.Ul(lines, className="small mb-2", id=ids.QUALITY_COLUMNS),
        ]
    )


def _mapping_origin(meta: SessionMeta) -> html.Div:
    """Where the mapping in use came from, with a one-click undo for a remembered one."""
    origin = meta.mapping_origin
    source = origin.get("source")
    when = origin.get("confirmed_at")
    day = (
        datetime.fromtimestamp(float(when), UTC).strftime("%Y-%m-%d")
        if isinstance(when, int | float)
        else None
    )
    if source == "remembered":
        return html.Div(
            [
                html.Span(
                    "Mapping remembered from your earlier upload of a file with these "
                    "columns" + (f" (confirmed {day})" if day else "") + ", in this "
                    "browser only. ",
                    className="me-2",
                ),
                dbc.Button(
                    "Undo: use the detected mapping",
                    id=ids.MAPPING_UNDO,
                    color="link",
                    size="sm",
                    className="p-0 align-baseline",
                ),
            ],
            className="small alert alert-info py-1 px-2 mb-2",
            id=ids.MAPPING_ORIGIN,
        )
    text = (
        "Mapping you confirmed" + (f" on {day}" if day else "") + "."
        if source == "confirmed"
        else "Mapping detected from this file's columns and values."
    )
    return html.Div(text, className="small text-muted mb-2", id=ids.MAPPING_ORIGIN)


def quality_card(meta: SessionMeta) -> dbc.Card:
    report = meta.report
    read = report.get("read") or {}
    set_aside = report.get("set_aside") or []
    duplicates = report.get("duplicates") or {}
    negatives = report.get("negatives") or {}
    confidence = meta.confidence
    mapping = meta.mapping
    columns = meta.columns

    rows_read, rows_used = (
        report.get("rows_read", meta.rows_read),
        meta.rows,
    )
    summary = [
        html.Li(
            f"{format_number(rows_read)} rows read, {format_number(rows_used)} used."
        ),
        *[
            html.Li(
                f"{format_number(item['count'])} set aside: {item['reason']}"
                + (
                    f" (rows {', '.join(map(str, item.get('rows', [])[:5]))}"
                    + ("…" if item["count"] > 5 else "")
                    + ")"
                    if item.get("rows")
                    else ""
                )
            )
            for item in set_aside
        ],
    ]
    if report.get("joined"):
        summary.append(
            html.Li(
                f"{format_number(report['joined'])} fee, tax or quantity rows joined to their "
                "order's line (or into one charges line per day)."
            )
        )
    if duplicates.get("count"):
        rows = ", ".join(map(str, (duplicates.get("rows") or [])[:5]))
        summary.append(
            html.Li(
                f"{format_number(duplicates['count'])} exact duplicate row(s)"
                + (f" (rows {rows}…)" if rows else "")
                + (
                    " were dropped."
                    if duplicates.get("dropped")
                    else " are kept; you can drop them below."
                )
            )
        )
    if negatives.get("returns_or_cancellations"):
        summary.append(
            html.Li(
                f"{format_number(negatives['returns_or_cancellations'])} return/cancellation line(s) kept as negative "
                "amounts (totals are net)."
            )
        )
    if negatives.get("stock_adjustments"):
        summary.append(
            html.Li(
                f"{format_number(negatives['stock_adjustments'])} line(s) with a negative quantity and "
                "no amount (stock adjustments); they do not change revenue."
            )
        )
    assumptions = report.get("assumptions") or []

    role_rows = []
    options = [{"label": "— none —", "value": NONE_VALUE}] + [
        {"label": c, "value": c} for c in columns
    ]
    for role in ROLES:
        role_rows.append(
            html.Tr(
                [
                    html.Td(
                        [ROLE_LABELS[role], _confidence_badge(confidence.get(role))],
                        className="text-nowrap",
                    ),
                    html.Td(
                        dcc.Dropdown(
                            id={"type": ids.MAPPING_ROLE, "role": role},
                            options=options,
                            value=mapping.get(role) or NONE_VALUE,
                            clearable=False,
                            className="mapping-dropdown",
                        )
                    ),
                ]
            )
        )

    body = dbc.Row(
        [
            dbc.Col(
                [
                    html.H3("What we read", className="h6 fw-semibold"),
                    html.Ul(summary, className="small mb-2"),
                    html.Div(
                        " · ".join(_read_facts(read)), className="small text-muted mb-2"
                    )
                    if not report.get("files")
                    else None,
                    html.H3("Assumptions", className="h6 fw-semibold mt-3")
                    if assumptions
                    else None,
                    html.Ul([html.Li(a) for a in assumptions], className="small")
                    if assumptions
                    else None,
                    column_kinds(report.get("columns")),
                    _sheet_switcher(meta, read.get("sheet")),
                ],
                lg=5,
            ),
            dbc.Col(
                [
                    html.H3("Column mapping", className="h6 fw-semibold"),
                    html.P(
                        "Check which column plays each role; change one and apply to recompute "
                        "the dashboard. This browser remembers it for your next files "
                        "with the same columns (nobody else's dashboard changes).",
                        className="small text-muted",
                    ),
                    _mapping_origin(meta),
                    dbc.Table(
                        html.Tbody(role_rows),
                        size="sm",
                        borderless=True,
                        className="mb-2",
                    ),
                    dbc.Checklist(
                        id=ids.MAPPING_DROP_DUPLICATES,
                        options=[
                            {"label": "Drop exact duplicate rows", "value": "drop"}
                        ],
                        value=["drop"] if meta.drop_duplicates else [],
                        switch=True,
                        className="small mb-2",
                    ),
                    dbc.Button(
                        "Apply mapping",
                        id=ids.MAPPING_APPLY,
                        color="primary",
                        size="sm",
                    ),
                    html.Div(id=ids.MAPPING_STATUS, className="mt-2"),
                    dcc.Location(id=ids.RELOAD, refresh=True),
                ],
                lg=7,
            ),
        ],
        className="g-4",
    )
    flagged = bool(
        set_aside or duplicates.get("count") or report.get("span_notes")
    ) or any((confidence.get(role) or 1) < 0.6 for role in ROLES if mapping.get(role))
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Details(
                    [
                        html.Summary(
                            [
                                html.Span(
                                    "Data quality and column mapping",
                                    className="h6 fw-semibold",
                                ),
                                html.Span(
                                    f" · {format_number(rows_used)} of {format_number(rows_read)} rows used"
                                    + (
                                        f" · sheet “{read.get('sheet')}” of "
                                        f"{len(meta.sheets)}"
                                        if len(meta.sheets) > 1
                                        else ""
                                    )
                                    + (" · please review" if flagged else ""),
                                    className="small text-muted",
                                ),
                            ],
                            className="quality-summary",
                        ),
                        html.Div([files_section(meta), body], className="pt-3"),
                    ],
                    open=flagged,
                    id=ids.QUALITY_CARD,
                ),
                className="bg-white",
            ),
        ],
        className="shadow-sm mb-4",
    )
