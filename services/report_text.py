"""The report as a Markdown or HTML brief (for an e-mail body): the same content as the PDF."""

from __future__ import annotations

from html import escape
from typing import Any

from analytics.formatting import format_number


def _md(text: object) -> str:
    """Text safe inside Markdown: characters with a meaning there are escaped."""
    out = str(text)
    for char in "\\`*_[]<>|#":
        out = out.replace(char, "\\" + char)
    return out


def _sku_lines(rows: list[dict[str, Any]]) -> list[str]:
    return [
        f"| {r['rank']} | {_md(r['sku'])} | {r['score']} {r['band']}"
        f"{' (few sales)' if r['few_sales'] else ''} | {_md(r['revenue'])} | "
        f"{r['transactions']} |"
        for r in rows
    ]


def render_markdown(content: dict[str, Any]) -> str:
    span = content.get("span")
    lines = [
        f"# {_md(content['title'])}",
        "",
        f"Data: {span[0]} to {span[1]}" if span else "Data: no dated rows",
        f"Filters: {_md(content['filters'])} · "
        f"{format_number(content['rows_in_view'])} of {format_number(content['rows_total'])} rows · "
        f"generated {content['generated']}",
        "",
    ]
    if content["cards"]:
        lines += ["## Key figures", ""]
        for card in content["cards"]:
            change = (
                f" ({_md(card.change)} {_md(content['comparison'])})"
                if card.change
                else ""
            )
            lines.append(f"- **{card.label}:** {_md(card.value)}{change}")
        lines += [f"- {_md(line)}" for line in content["growth_detail"]]
        lines.append("")
    else:
        lines += [
            "No rows match these filters. Widen the dates or clear the filters.",
            "",
        ]
    if content.get("categories"):
        lines += [
            "## Revenue by category",
            "",
            "| Category | Revenue | Profit | Share |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| {_md(c['category'])} | {_md(c['revenue'])} | {_md(c['profit'])} | "
            f"{c['share']} |"
            for c in content["categories"]
        ]
        lines.append("")
    for title, key in (
        ("Top SKUs by score", "top_skus"),
        ("Bottom SKUs by score", "bottom_skus"),
    ):
        if content[key]:
            lines += [
                f"## {title}",
                "",
                "| # | SKU | Score | Revenue | Sales |",
                "|---:|---|---|---:|---:|",
                *_sku_lines(content[key]),
                "",
            ]
    forecast = content["forecast"]
    lines += ["## Forecast", "", _md(forecast["text"])]
    if forecast.get("accuracy"):
        lines += ["", _md(forecast["accuracy"])]
    lines.append("")
    found = content["insights"]
    if found["summary"] or found["items"]:
        lines += ["## Insights", ""]
        if found["summary"]:
            lines += [_md(found["summary"]), ""]
        lines += [f"- **{_md(i['title'])}:** {_md(i['text'])}" for i in found["items"]]
        lines.append("")
    quality = content["quality"]
    lines += ["## Data quality", "", *[f"- {_md(line)}" for line in quality["lines"]]]
    if quality["assumptions"]:
        lines += ["", "Assumptions:", *[f"- {_md(a)}" for a in quality["assumptions"]]]
    if quality["warnings"]:
        lines += ["", "Warnings:", *[f"- {_md(w)}" for w in quality["warnings"]]]
    return "\n".join(lines) + "\n"


def _html_table(headers: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    def cell(tag: str, index: int, value: str) -> str:
        align = ' style="text-align:right"' if index in numeric else ""
        return f"<{tag}{align}>{escape(str(value))}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(content: dict[str, Any]) -> str:
    """A self-contained HTML page (no scripts, no external resources)."""
    span = content.get("span")
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(content['title'])}</title>",
        "<style>body{font-family:sans-serif;color:#212529;max-width:52rem;margin:1rem auto;"
        "padding:0 1rem}th,td{padding:.2rem .5rem;border-bottom:1px solid #ced4da}"
        "table{border-collapse:collapse}.muted{color:#5a626a}</style></head><body>",
        f"<h1>{escape(content['title'])}</h1>",
        '<p class="muted">'
        + escape(
            (f"Data: {span[0]} to {span[1]}" if span else "Data: no dated rows")
            + f" · Filters: {content['filters']} · {format_number(content['rows_in_view'])} of "
            f"{format_number(content['rows_total'])} rows · generated {content['generated']}"
        )
        + "</p>",
    ]
    if content["cards"]:
        parts.append("<h2>Key figures</h2><ul>")
        for card in content["cards"]:
            change = (
                f" ({escape(card.change)} {escape(content['comparison'])})"
                if card.change
                else ""
            )
            parts.append(
                f"<li><strong>{escape(card.label)}:</strong> {escape(card.value)}{change}</li>"
            )
        parts += [f"<li>{escape(line)}</li>" for line in content["growth_detail"]]
        parts.append("</ul>")
    else:
        parts.append(
            "<p>No rows match these filters. Widen the dates or clear the filters.</p>"
        )
    if content.get("categories"):
        parts.append("<h2>Revenue by category</h2>")
        parts.append(
            _html_table(
                ["Category", "Revenue", "Profit", "Share"],
                [
                    [c["category"], c["revenue"], c["profit"], c["share"]]
                    for c in content["categories"]
                ],
                {1, 2, 3},
            )
        )
    for title, key in (
        ("Top SKUs by score", "top_skus"),
        ("Bottom SKUs by score", "bottom_skus"),
    ):
        if content[key]:
            parts.append(f"<h2>{title}</h2>")
            parts.append(
                _html_table(
                    ["#", "SKU", "Score", "Revenue", "Sales"],
                    [
                        [
                            r["rank"],
                            r["sku"],
                            f"{r['score']} {r['band']}"
                            + (" (few sales)" if r["few_sales"] else ""),
                            r["revenue"],
                            r["transactions"],
                        ]
                        for r in content[key]
                    ],
                    {0, 3, 4},
                )
            )
    forecast = content["forecast"]
    parts.append(f"<h2>Forecast</h2><p>{escape(forecast['text'])}</p>")
    if forecast.get("accuracy"):
        parts.append(f'<p class="muted">{escape(forecast["accuracy"])}</p>')
    found = content["insights"]
    if found["summary"] or found["items"]:
        parts.append("<h2>Insights</h2>")
        if found["summary"]:
            parts.append(f"<p>{escape(found['summary'])}</p>")
        parts.append(
            "<ul>"
            + "".join(
                f"<li><strong>{escape(i['title'])}:</strong> {escape(i['text'])}</li>"
                for i in found["items"]
            )
            + "</ul>"
        )
    quality = content["quality"]
    parts.append("<h2>Data quality</h2><ul>")
    parts += [f"<li>{escape(line)}</li>" for line in quality["lines"]]
    parts.append("</ul>")
    for title, key in (("Assumptions", "assumptions"), ("Warnings", "warnings")):
        if quality[key]:
            parts.append(f"<h3>{title}</h3><ul>")
            parts += [f"<li>{escape(line)}</li>" for line in quality[key]]
            parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
