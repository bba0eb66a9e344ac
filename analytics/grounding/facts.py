"""Computed figures (facts) and the sheet that collects them with the lines that show them."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from analytics.formatting import format_money, format_number, format_pct, format_points
from analytics.schema import (
    QUANTITY,
)

#: Longest model reply accepted, in characters.
MAX_REPLY_CHARS = 4000
#: Longest file text (SKU, category) quoted in an answer.
MAX_NAME_CHARS = 60
#: ``ChatAnswer.model`` when the answer is the templated one.
NO_MODEL = "none"

#: What the model is: ``messages -> reply text``; it may carry a ``model_name``.
LLM = Callable[[list[dict[str, str]]], str]


@dataclass(frozen=True)
class Fact:
    """One computed figure: ``value`` is the number (or text), ``display`` how it is shown."""

    label: str
    value: float | int | str | None
    display: str

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value, "display": self.display}


def quote(name: object) -> str:
    """File text (SKU, category) as an inline code span: no markup, no HTML, one line."""
    text = " ".join(str(name).split())
    text = text.replace("`", "'").replace("<", "‹").replace(">", "›")
    if len(text) > MAX_NAME_CHARS:
        text = text[: MAX_NAME_CHARS - 1] + "…"
    return f"`{text}`"


class FactSheet:
    """Collects facts and answer lines; every figure in a line comes from a fact."""

    def __init__(self, currency: str | None) -> None:
        self.currency = currency
        self.facts: list[Fact] = []
        self.lines: list[str] = []
        self.operations: list[dict[str, Any]] = []
        self.period: str | None = None
        self.rows: int | None = None
        self.caveats: list[str] = []

    def fact(self, label: str, value: float | int | str | None, display: str) -> str:
        if isinstance(value, (float, np.floating)):
            value = None if not math.isfinite(float(value)) else round(float(value), 6)
        elif isinstance(value, np.integer):
            value = int(value)
        self.facts.append(Fact(label, value, display))
        return display

    def money(self, label: str, value: float | None, *, exact: bool = False) -> str:
        display = format_money(value, self.currency, decimals=2 if exact else None)
        return self.fact(
            label, None if value is None else round(float(value), 2), display
        )

    def change(self, label: str, value: float | None) -> str:
        return self.fact(label, value, format_pct(value, signed=True))

    def pct(self, label: str, value: float | None) -> str:
        return self.fact(label, value, format_pct(value))

    def points(self, label: str, value: float | None) -> str:
        return self.fact(label, value, format_points(value))

    def count(self, label: str, value: float | int | None, decimals: int = 0) -> str:
        return self.fact(label, value, format_number(value, decimals=decimals))

    def text(self, label: str, value: str) -> str:
        return self.fact(label, value, value)

    def figure(
        self, metric: str, label: str, value: float | None, *, exact: bool = False
    ) -> str:
        """A value of ``metric`` shown the way that metric is shown."""
        if metric == "margin":
            return self.pct(label, value)
        if metric in (QUANTITY, "transactions", "orders", "customers"):
            decimals = 0 if value is None or float(value).is_integer() else 2
            return self.count(label, value, decimals)
        return self.money(label, value, exact=exact)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def caveat(self, line: str) -> None:
        """A line about what the figures cover, kept even when a model rewrites the rest."""
        self.lines.append(line)
        self.caveats.append(line)

    def op(self, name: str, **params: Any) -> None:
        self.operations.append({"op": name, **params})
