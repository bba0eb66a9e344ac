"""The report as a one- or two-page PDF (A4 or Letter), drawn with fpdf2.

Text stays text (selectable, searchable); charts are vector lines and rectangles. Fonts are
DejaVu Sans when the system or matplotlib has it (every currency symbol, minus signs);
otherwise the built-in Helvetica with the text reduced to Latin-1.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from analytics.formatting import format_date, format_money, format_number

logger = logging.getLogger(__name__)

PAPERS = {"a4": "A4", "letter": "Letter"}
#: Pages at most: the report's lists are cut to fit; anything beyond is left out.
MAX_PAGES = 2
MARGIN = 12.0

INK = (33, 37, 41)
MUTED = (90, 98, 106)  # 6.0:1 on white (WCAG AA)
RULE = (206, 212, 218)
BLUE = (13, 110, 253)
GREEN = (25, 135, 84)
RED = (176, 42, 55)
CARD_FILL = (248, 249, 250)

_FALLBACK = str.maketrans(
    {
        "\u2212": "-",
        "\u202f": " ",  # narrow no-break space (French thousands)
        "\u2013": "-",
        "\u2014": "-",
        "\u201c": '"',
        "\u201d": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u2026": "...",
        "\u2192": "->",
        "\u00a0": " ",
        "\u20ac": "EUR ",
    }
)


#: Characters the report's fonts keep: Latin, Greek and Cyrillic letters, punctuation,
#: currency symbols, arrows and shapes. Cutting the rest makes a font load ten times faster.
FONT_UNICODES = [
    *range(0x20, 0x250),
    *range(0x370, 0x530),
    *range(0x2000, 0x2070),
    *range(0x20A0, 0x20D0),
    *range(0x2100, 0x2200),
    *range(0x2212, 0x2213),
    *range(0x25A0, 0x2600),
]


def _dejavu_files() -> tuple[Path, Path] | None:
    folders = [Path("/usr/share/fonts/truetype/dejavu")]
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin:
        folders.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    for folder in folders:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def _subset(source: Path) -> str:
    """``source`` cut to ``FONT_UNICODES``, written once to the temp folder; its path."""
    from fontTools import subset

    stat = source.stat()
    folder = Path(tempfile.gettempdir()) / "smbrc-report-fonts"
    folder.mkdir(exist_ok=True)
    target = folder / f"{source.stem}-{stat.st_size}-{int(stat.st_mtime)}.ttf"
    if not target.is_file():
        options = subset.Options()
        options.layout_features = ["kern", "liga"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.drop_tables += ["FFTM"]
        font = subset.load_font(str(source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=FONT_UNICODES)
        subsetter.subset(font)
        partial = target.with_suffix(f".{os.getpid()}.part")
        subset.save_font(font, str(partial), options)
        os.replace(partial, target)
    return str(target)


@lru_cache(maxsize=1)
def font_files() -> tuple[str, str] | None:
    """Regular and bold DejaVu Sans (from the system or matplotlib's copy), cut to the
    characters a report uses; None when neither has it."""
    found = _dejavu_files()
    if found is None:
        return None
    try:
        return _subset(found[0]), _subset(found[1])
    except Exception:  # noqa: BLE001 - an unusual font file: embed it whole
        logger.warning("could not subset the report fonts", exc_info=True)
        return str(found[0]), str(found[1])


class _Report(FPDF):
    def __init__(self, paper: str, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format=PAPERS[paper])
        self.footer_text = footer_text
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 4)
        self.set_creator("SMB Revenue Cloud")
        fonts = font_files()
        if fonts:
            self.add_font("Body", "", fonts[0])
            self.add_font("Body", "B", fonts[1])
            self.family = "Body"
            self.unicode = True
        else:
            self.family = "Helvetica"
            self.unicode = False

    def clean(self, text: object) -> str:
        text = str(text).replace("`", "")
        if self.unicode:
            return text
        return text.translate(_FALLBACK).encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False, color=INK) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*color)

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.font(7, color=MUTED)
        self.cell(
            0,
            4,
            self.clean(f"{self.footer_text} · page {self.page_no()}"),
            align="R",
        )

    @property
    def inner_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - MARGIN - 30:
            self.add_page()
        self.ln(2)
        self.font(11, bold=True)
        self.cell(0, 6, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)

    def para(self, text: str, size: float = 8.5, color=INK, bold=False) -> None:
        self.font(size, bold=bold, color=color)
        self.multi_cell(
            0,
            size * 0.47,
            self.clean(text),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def bullet(self, text: str, size: float = 8.5) -> None:
        self.font(size)
        x = self.l_margin
        self.set_x(x)
        self.cell(4, size * 0.47, self.clean("•" if self.unicode else "-"))
        self.multi_cell(
            self.inner_width - 4,
            size * 0.47,
            self.clean(text),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / ticks if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _period_label(period: str, series: dict[str, Any]) -> str:
    """A period's axis label in the reader's locale: "Jan 2017", or a day."""
    monthly = series.get("freq") in ("month", "quarter")
    return format_date(period, "month" if monthly else "day")


def _short(value: float, currency: str) -> str:
    return format_money(value, currency, compact=True)


def _chart(pdf: _Report, series: dict[str, Any], currency: str, height: float) -> None:
    """Revenue (solid) and profit (dashed) per period as vector lines, with axes."""
    periods = series["periods"]
    lines = [("Revenue", series["revenue"], BLUE, False)]
    if series.get("profit") is not None:
        lines.append(("Profit", series["profit"], GREEN, True))
    values = [
        v
        for _, data, _, _ in lines
        for v in data
        if v is not None and not math.isnan(v)
    ]
    top = pdf.get_y()
    left = pdf.l_margin + 16
    right = pdf.w - pdf.r_margin - 2
    bottom = top + height - 8
    plot_top = top + 6
    # legend: a line sample, its dash style and its name (colour is not the only signal)
    pdf.font(7.5, color=MUTED)
    x = left
    for name, _, color, dashed in lines:
        pdf.set_draw_color(*color)
        pdf.set_line_width(0.6)
        if dashed:
            pdf.set_dash_pattern(dash=1.2, gap=0.8)
        pdf.line(x, top + 2.2, x + 7, top + 2.2)
        pdf.set_dash_pattern()
        pdf.set_xy(x + 8, top)
        label = f"{name} ({'dashed' if dashed else 'solid'} line)"
        pdf.cell(pdf.get_string_width(label) + 2, 4.4, pdf.clean(label))
        x = pdf.get_x() + 4
    pdf.set_xy(left, top)
    pdf.cell(
        right - left,
        4.4,
        pdf.clean(f"per {series['freq']}, {currency}"),
        align="R",
    )
    if not values or len(periods) == 0:
        pdf.set_y(top + height)
        return
    low, high = min(0.0, min(values)), max(0.0, max(values))
    if high == low:
        high = low + 1
    step = _nice_step(high - low)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step

    def y_of(v: float) -> float:
        return bottom - (v - low) / (high - low) * (bottom - plot_top)

    count = len(periods)

    def x_of(i: int) -> float:
        return left + (i / (count - 1) if count > 1 else 0.5) * (right - left)

    pdf.set_line_width(0.15)
    pdf.font(6.5, color=MUTED)
    tick = low
    while tick <= high + step / 2:
        y = y_of(tick)
        pdf.set_draw_color(*((150, 150, 150) if abs(tick) < step / 2 else RULE))
        pdf.line(left, y, right, y)
        pdf.set_xy(pdf.l_margin, y - 1.6)
        pdf.cell(15, 3.2, pdf.clean(_short(tick, currency)), align="R")
        tick += step
    labels = min(count, 6)
    for j in range(labels):
        i = round(j * (count - 1) / max(labels - 1, 1))
        pdf.set_xy(x_of(i) - 12, bottom + 1)
        pdf.cell(24, 3.2, pdf.clean(_period_label(periods[i], series)), align="C")
    for _, data, color, dashed in lines:
        pdf.set_draw_color(*color)
        pdf.set_line_width(0.5)
        if dashed:
            pdf.set_dash_pattern(dash=1.2, gap=0.8)
        points = [
            (x_of(i), y_of(v))
            for i, v in enumerate(data)
            if v is not None and not math.isnan(v)
        ]
        if len(points) == 1:
            pdf.circle(points[0][0], points[0][1], 0.6, style="D")
        elif points:
            pdf.polyline(points)
        pdf.set_dash_pattern()
    pdf.set_y(top + height)


def _card_box(pdf: _Report, x: float, y: float, w: float, h: float, label: str) -> None:
    pdf.set_fill_color(*CARD_FILL)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.rect(x, y, w, h, style="DF")
    pdf.set_xy(x + 2, y + 1.5)
    pdf.font(7.5, color=MUTED)
    pdf.cell(w - 4, 3.8, pdf.clean(label))


def _cards(pdf: _Report, cards: list, growth: list[str]) -> None:
    """Four cards a row; the slot after the last card holds the growth lines."""
    per_row, gap, height = 4, 2.5, 17.0
    width = (pdf.inner_width - gap * (per_row - 1)) / per_row
    top = pdf.get_y()
    slots = len(cards) + (1 if growth else 0)
    for index in range(slots):
        x = pdf.l_margin + (index % per_row) * (width + gap)
        y = top + (index // per_row) * (height + gap)
        if index == len(cards):
            _card_box(pdf, x, y, width, height, "Growth")
            pdf.set_xy(x + 2, y + 5.6)
            pdf.font(6.5)
            pdf.multi_cell(width - 4, 2.75, pdf.clean("\n".join(growth)), align="L")
            continue
        card = cards[index]
        _card_box(pdf, x, y, width, height, card.label)
        pdf.set_xy(x + 2, y + 5.6)
        pdf.font(11.5, bold=True)
        pdf.cell(width - 4, 5.5, pdf.clean(card.value))
        if card.change:
            color = {"good": GREEN, "bad": RED}.get(card.tone, MUTED)
            pdf.set_xy(x + 2, y + 11.4)
            pdf.font(6.5, color=color)
            pdf.multi_cell(width - 4, 2.8, pdf.clean(card.change), align="L")
    rows = (slots + per_row - 1) // per_row
    pdf.set_y(top + rows * (height + gap))


def _table(
    pdf: _Report,
    x: float,
    width: float,
    headers: list[str],
    rows: list[list[str]],
    widths: list[float],
    aligns: str,
    bars: list[float] | None = None,
) -> float:
    """A small table at ``x``; returns the y below it. ``bars`` (0-1) draws a share bar
    under the first column of each row."""
    scale = width / sum(widths)
    widths = [w * scale for w in widths]
    pdf.set_x(x)
    pdf.font(7, bold=True, color=MUTED)
    for header, w, align in zip(headers, widths, aligns, strict=True):
        pdf.cell(w, 4.2, pdf.clean(header), align=align)
    pdf.ln(4.2)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.line(x, pdf.get_y(), x + width, pdf.get_y())
    for index, row in enumerate(rows):
        y = pdf.get_y()
        pdf.set_x(x)
        pdf.font(7.2)
        for cell, w, align in zip(row, widths, aligns, strict=True):
            text = pdf.clean(cell)
            while len(text) > 3 and pdf.get_string_width(text) > w - 2:
                text = text[:-2] + ("…" if pdf.unicode else ".")
            pdf.cell(w, 4.4, text, align=align)
        pdf.ln(4.4)
        if bars is not None and index < len(bars):
            share = max(0.0, min(1.0, bars[index]))
            pdf.set_fill_color(*BLUE)
            pdf.rect(x + 1, y + 4.0, max(0.3, (widths[0] - 2) * share), 0.8, style="F")
            pdf.set_y(y + 5.2)
    return pdf.get_y()


def _categories_and_skus(pdf: _Report, content: dict[str, Any]) -> None:
    gap = 6
    half = (pdf.inner_width - gap) / 2
    top = pdf.get_y()
    left_bottom = top
    categories = content.get("categories")
    if categories:
        pdf.font(8.5, bold=True)
        pdf.set_x(pdf.l_margin)
        pdf.cell(half, 5, "Revenue by category", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        largest = max((abs(c["revenue_value"]) for c in categories), default=0) or 1
        left_bottom = _table(
            pdf,
            pdf.l_margin,
            half,
            ["Category", "Revenue", "Profit", "Share"],
            [
                [c["category"], c["revenue"], c["profit"], c["share"]]
                for c in categories
            ],
            [26, 26, 26, 11],
            "LRRR",
            bars=[c["revenue_value"] / largest for c in categories],
        )
    x = pdf.l_margin + half + gap if categories else pdf.l_margin
    width = half if categories else pdf.inner_width
    pdf.set_xy(x, top)
    for title, rows in (
        ("Top SKUs by score", content["top_skus"]),
        ("Bottom SKUs by score", content["bottom_skus"]),
    ):
        if not rows:
            continue
        pdf.set_x(x)
        pdf.font(8.5, bold=True)
        pdf.cell(width, 5, pdf.clean(title), new_x=XPos.LEFT, new_y=YPos.NEXT)
        end = _table(
            pdf,
            x,
            width,
            ["#", "SKU", "Score", "Revenue", "Sales"],
            [
                [
                    str(r["rank"]),
                    r["sku"],
                    f"{r['score']} {r['band']}" + (" *" if r["few_sales"] else ""),
                    r["revenue"],
                    r["transactions"],
                ]
                for r in rows
            ],
            [10, 30, 17, 24, 11],
            "RLLRR",
        )
        pdf.set_xy(x, end + 1)
    right_bottom = pdf.get_y()
    if any(r["few_sales"] for r in content["top_skus"] + content["bottom_skus"]):
        pdf.set_x(x)
        pdf.font(6.5, color=MUTED)
        pdf.multi_cell(
            width, 2.8, "* few sales: the score rests on little data.", align="L"
        )
        right_bottom = pdf.get_y()
    pdf.set_y(max(left_bottom, right_bottom) + 1)


def render_pdf(content: dict[str, Any], paper: str = "a4") -> bytes:
    """The report for ``services.report.report_content``'s ``content`` on ``paper``
    ("a4" or "letter"), at most ``MAX_PAGES`` pages."""
    if paper not in PAPERS:
        raise ValueError(f"Unknown paper {paper!r}; use a4 or letter.")
    pdf = _Report(paper, f"{content['title']} · generated {content['generated']}")
    pdf.set_title(pdf.clean(content["title"]))
    pdf.add_page()
    pdf.font(15, bold=True)
    pdf.multi_cell(
        0,
        7,
        pdf.clean(content["title"]),
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    span = content.get("span")
    facts = [
        f"Data: {span[0]} to {span[1]}" if span else "Data: no dated rows",
        f"Filters: {content['filters']}",
        f"{format_number(content['rows_in_view'])} of {format_number(content['rows_total'])} rows",
        f"Generated {content['generated']}",
    ]
    pdf.para(" · ".join(facts), size=8, color=MUTED)
    pdf.ln(1.5)
    if not content["cards"]:
        pdf.para(
            "No rows match these filters. Widen the dates or clear the filters.",
            size=10,
        )
    else:
        _cards(pdf, content["cards"], content["growth"])
        if content["comparison"]:
            pdf.para(
                f"Changes on the cards: {content['comparison']} (the period before).",
                size=7.5,
                color=MUTED,
            )
        pdf.heading("Revenue and profit")
        _chart(pdf, content["series"], content["currency"], height=52)
        pdf.ln(1)
        _categories_and_skus(pdf, content)
    forecast = content["forecast"]
    pdf.heading("Forecast")
    pdf.para(forecast["text"])
    if forecast.get("accuracy"):
        pdf.para(forecast["accuracy"], color=MUTED)
    found = content["insights"]
    if found["summary"] or found["items"]:
        pdf.heading("Insights")
        if found["summary"]:
            pdf.para(found["summary"])
            pdf.ln(0.8)
        for item in found["items"]:
            pdf.bullet(f"{item['title']}: {item['text']}")
    quality = content["quality"]
    pdf.heading("Data quality")
    for line in quality["lines"][:8]:
        pdf.bullet(line, size=8)
    if quality["assumptions"]:
        pdf.para("Assumptions", size=8, bold=True)
        for line in quality["assumptions"][:6]:
            pdf.bullet(line, size=8)
    if quality["warnings"]:
        pdf.para("Warnings", size=8, bold=True)
        for line in quality["warnings"][:5]:
            pdf.bullet(line, size=8)
    if pdf.page_no() > MAX_PAGES:
        logger.warning("report ran to %s pages", pdf.page_no())
    return bytes(pdf.output())
