"""Several files, one dashboard: the "Add files" / "Replace data" actions and the list of
files in the Data quality card (rows read, used and set aside, how each file was read,
its date span; gaps and overlaps between the files; the choice to keep repeated rows).

The actions are driven by ``assets/files.js``: the chosen files are posted to
``POST /upload/<session_id>`` (``mode=add`` or ``mode=replace``), which only the
session's owner may do; the page reloads on success and shows the refusal otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.upload import ACCEPT

if TYPE_CHECKING:
    from services.session_meta import SessionMeta

_DELIMITERS = {
    ",": "comma",
    ";": "semicolon",
    "\t": "tab",
    "|": "pipe",
    "whitespace": "spaces",
    "fixed-width": "fixed-width",
}


def files_actions(meta: SessionMeta) -> html.Div:
    """The "Files" menu of the header ("Add files…", "Replace data…") and the (fixed,
    bottom-right) status area they report to.

    Sizes are checked by the server (each file, the total), which answers with a
    message naming the limit."""
    return html.Div(
        [
            dbc.DropdownMenu(
                [
                    dbc.DropdownMenuItem(
                        "Add exports (other months, stores or channels)", header=True
                    ),
                    dbc.DropdownMenuItem("Add files…", id=ids.FILES_ADD),
                    dbc.DropdownMenuItem(divider=True),
                    dbc.DropdownMenuItem("Replace data…", id=ids.FILES_REPLACE),
                ],
                label="Files",
                color="outline-primary",
                size="sm",
                align_end=True,
                toggle_class_name="text-nowrap",
                id=ids.FILES_MENU,
            ),
            html.Div(
                id=ids.FILES_STATUS,
                role="status",
                className="files-status position-fixed bottom-0 end-0 p-3",
                style={"zIndex": 1080, "maxWidth": "28rem"},
            ),
        ],
        id=ids.FILES_ACTIONS,
        **{
            "data-session-id": meta.session_id,
            "data-accept": ACCEPT,
        },
    )


def _how_read(read: dict[str, Any]) -> str:
    parts = [str(read.get("file_type") or "?").upper()]
    if read.get("sheet"):
        parts.append(f"sheet “{read['sheet']}”")
    if read.get("encoding"):
        parts.append(str(read["encoding"]))
    if read.get("delimiter"):
        parts.append(_DELIMITERS.get(read["delimiter"], repr(read["delimiter"])))
    if read.get("decimal") and read["decimal"] != ".":
        parts.append(f"decimal “{read['decimal']}”")
    if read.get("date_order"):
        parts.append(f"dates {read['date_order']}")
    return ", ".join(parts)


def _set_aside_text(record: dict[str, Any]) -> str | html.Span:
    count = int(record.get("set_aside") or 0)
    if not count:
        return "0"
    reasons = "; ".join(
        f"{r['count']:,} {r['reason']}" for r in record.get("set_aside_reasons") or []
    )
    return html.Span(f"{count:,}", title=reasons, className="text-decoration-underline")


def files_section(meta: SessionMeta) -> html.Div | None:
    """Every file of a combined dashboard, with gaps and overlaps (None for one file)."""
    report = meta.report
    files = report.get("files") or []
    if len(files) < 2:
        return None
    rows = []
    for record in files:
        span = (
            f"{record['date_start']} to {record['date_end']}"
            if record.get("date_start")
            else "no dates"
        )
        overlap = int(record.get("overlap") or 0)
        rows.append(
            html.Tr(
                [
                    html.Td(record["name"], className="text-break"),
                    html.Td(f"{record['rows_read']:,}", className="text-end"),
                    html.Td(f"{record['rows_used']:,}", className="text-end"),
                    html.Td(_set_aside_text(record), className="text-end"),
                    html.Td(f"{overlap:,}" if overlap else "–", className="text-end"),
                    html.Td(span, className="text-nowrap"),
                    html.Td(
                        _how_read(record.get("read") or {}), className="text-muted"
                    ),
                ]
            )
        )
    header = html.Thead(
        html.Tr(
            [
                html.Th("File"),
                html.Th("Rows read", className="text-end"),
                html.Th("Used", className="text-end"),
                html.Th("Set aside", className="text-end"),
                html.Th("Repeats", className="text-end"),
                html.Th("Dates"),
                html.Th("Read as"),
            ]
        )
    )
    overlaps = report.get("overlaps") or {}
    found = int(overlaps.get("count") or 0)
    notes = [html.Li(n) for n in report.get("span_notes") or []]
    if found:
        notes.append(
            html.Li(
                f"{found:,} row(s) are identical on every column to a row of an earlier "
                "file (overlapping exports): "
                + (
                    "set aside, so they are counted once."
                    if overlaps.get("dropped", True)
                    else "kept, so they are counted twice."
                )
            )
        )
    return html.Div(
        [
            html.H3(f"Files ({len(files)})", className="h6 fw-semibold"),
            html.Div(
                dbc.Table(
                    [header, html.Tbody(rows)],
                    size="sm",
                    className="small mb-2",
                    id=ids.FILES_TABLE,
                ),
                className="table-responsive",
            ),
            html.Ul(notes, className="small mb-2") if notes else None,
            _overlap_choice(meta) if found else None,
        ],
        className="mb-3 pb-3 border-bottom",
    )


def _overlap_choice(meta: SessionMeta) -> html.Div:
    return html.Div(
        [
            dbc.Checklist(
                id=ids.FILES_KEEP_OVERLAPS,
                options=[
                    {
                        "label": "Count rows repeated across files again (keep them)",
                        "value": "keep",
                    }
                ],
                value=["keep"] if meta.keep_overlaps else [],
                switch=True,
                className="small mb-1",
            ),
            dbc.Button(
                "Apply",
                id=ids.FILES_OVERLAPS_APPLY,
                color="secondary",
                outline=True,
                size="sm",
            ),
            html.Div(id=ids.FILES_OVERLAPS_STATUS, className="mt-2"),
            dcc.Location(id=ids.FILES_RELOAD, refresh=True),
        ]
    )
