"""Several files, one dataset: combine per-file ingestion results into one.

Each file is read on its own (:func:`analytics.ingest.ingest_bytes`: its encoding,
delimiter, sheet, header and rows set aside are its own), then :func:`combine` stacks
the canonical frames and adds a ``Source file`` dimension (filterable and groupable like
any dimension of the dataset model).

Rules (a wrong number is worse than none):

- The files must give the same figures: all with a date or none, all with cost or
  profit or none, all with quantities or none, one currency. Otherwise
  :func:`check_compatible` refuses with the reason, naming the files. SKU, category,
  customer and order columns may be missing from some files (their rows have no value
  there; the warnings say so).
- Overlapping exports are not double counted: among files with the same columns, a row
  identical on every column to a row of an earlier file is a repeat of that row and is
  set aside (``OVERLAP_REASON``), counted per file. Identical
  rows within one export are kept as they are (they are separate sales unless the user
  drops exact duplicates): a row that appears *k* times in an earlier file and *m*
  times in a later one is counted ``max(k, m)`` times. ``keep_overlaps=True`` keeps
  every row (the repeats are still counted).
- The report keeps the invariant ``rows_read == rows_used + joined + set aside``, and
  lists every file: rows read, used and set aside, how it was read, its date span;
  months with no data between the first and last date, and files whose date spans
  overlap, are said.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.dataset_model import DIMENSION, ColumnInfo
from analytics.errors import IngestError
from analytics.ingest.build import decode_rows
from analytics.ingest.pipeline import columns_signature
from analytics.ingest.result import IngestResult
from analytics.metrics.periods import MONTH_NAMES
from analytics.schema import (
    CATEGORY,
    COST,
    CUSTOMER,
    DATE,
    ORDER,
    PROFIT,
    QUANTITY,
    ROLE_LABELS,
    SKU,
    SOURCE_ROW,
)

#: The dimension naming the file each row came from.
SOURCE_FILE = "Source file"
OVERLAP_REASON = "row repeated from an earlier file (overlapping exports)"
#: Said of two files whose date spans overlap but which share no identical row.
UNMATCHED_OVERLAP = "no row of one is identical to a row of the other"
#: Pairs of files with overlapping dates named one by one (the others are counted).
MAX_PAIR_NOTES = 3
#: Roles a file may lack (its rows have no value there; the warnings say so).
_TEXT_ROLES = (SKU, CATEGORY, CUSTOMER, ORDER)


@dataclass(frozen=True)
class Part:
    """One file's ingestion: its (clean) name and result."""

    name: str
    result: IngestResult


def has_figure(frame: pd.DataFrame, role: str) -> bool:
    return role in frame and bool(frame[role].notna().any())


def _profit_known(frame: pd.DataFrame) -> bool:
    return has_figure(frame, PROFIT) or has_figure(frame, COST)


def _names(parts: Sequence[Part]) -> str:
    quoted = [f"“{p.name}”" for p in parts]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def check_compatible(parts: Sequence[Part]) -> None:
    """Refuse files that cannot be added up into one dataset, saying why.

    Raises :class:`IngestError` when a file is a profit-and-loss statement, when some
    files have dates, cost/profit or quantities and others do not, or when their
    currencies differ.
    """
    if len(parts) < 2:
        return
    statements = [p for p in parts if p.result.report.get("layout") != "table"]
    if statements:
        raise IngestError(
            f"{_names(statements)} is a profit-and-loss statement, not a list of sales; "
            "statements cannot be combined with other files. Upload it on its own."
        )
    checks = (
        (
            "dates",
            lambda f: has_figure(f, DATE),
            "the figures could not be shown over time for all of them",
        ),
        (
            "cost or profit figures",
            _profit_known,
            "the combined profit would only cover some of the sales",
        ),
        (
            "quantities",
            lambda f: has_figure(f, QUANTITY),
            "the combined units would only cover some of the sales",
        ),
    )
    for what, test, why in checks:
        having = [p for p in parts if test(p.result.frame)]
        if having and len(having) < len(parts):
            lacking = [p for p in parts if not test(p.result.frame)]
            raise IngestError(
                f"These files cannot be combined: {_names(having)} "
                f"{'has' if len(having) == 1 else 'have'} {what} but {_names(lacking)} "
                f"{'has' if len(lacking) == 1 else 'have'} none, so {why}. Upload files "
                f"that all have {what} (or choose the column for "
                f"{'them' if len(lacking) > 1 else 'it'} in the column mapping first)."
            )
    currencies = {
        p.name: p.result.report.get("currency")
        for p in parts
        if p.result.report.get("currency")
    }
    if len(set(currencies.values())) > 1:
        listed = ", ".join(f"“{name}” in {code}" for name, code in currencies.items())
        raise IngestError(
            f"These files cannot be combined: their amounts are in different currencies "
            f"({listed}), and adding them up would give a meaningless total. Upload "
            "the files of one currency together."
        )


def _spans(parts: Sequence[Part]) -> list[tuple[pd.Timestamp, pd.Timestamp] | None]:
    out = []
    for part in parts:
        dates = part.result.frame[DATE].dropna() if DATE in part.result.frame else None
        out.append(
            (dates.min(), dates.max()) if dates is not None and len(dates) else None
        )
    return out


def _candidates(
    result: IngestResult, windows: list[tuple[pd.Timestamp, pd.Timestamp] | None]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Positions in ``result.table`` of the rows that made the frame and could repeat a
    row of another file, and the table's source row numbers; None when row numbers do
    not identify table rows (unpivoted tables).

    A row identical to a row of another file has the same date, so only rows dated
    within another file's date span are candidates (all rows when there are no dates).
    """
    table, frame = result.table, result.frame
    rows = decode_rows(result.report["read"].get("row_numbers", []), len(table))
    if len(np.unique(rows)) != len(rows):
        return None
    used = frame[SOURCE_ROW].to_numpy()
    if windows and all(w is not None for w in windows) and DATE in frame:
        dates = frame[DATE]
        inside = np.zeros(len(frame), dtype=bool)
        for start, end in windows:
            inside |= ((dates >= start) & (dates <= end)).to_numpy()
        used = used[inside]
    return np.flatnonzero(np.isin(rows, used)), rows


def overlap_rows(parts: Sequence[Part]) -> list[np.ndarray]:
    """Per file, the source row numbers of rows repeating rows of earlier files.

    Only files with the same columns (names compared without regard to case or
    spacing, see :func:`analytics.ingest.columns_signature`) are compared, on every
    column of their source tables, and only rows dated within another such file's
    date span. Multiset rule: a row appearing ``k`` times in the earlier files and
    ``m`` times in this one has ``min(k, m)`` of its copies here marked as repeats.
    """
    out = [np.zeros(0, dtype="int64") for _ in parts]
    groups: dict[str, list[int]] = {}
    for index, part in enumerate(parts):
        groups.setdefault(
            columns_signature(list(part.result.table.columns)), []
        ).append(index)
    spans = _spans(parts)
    for members in groups.values():
        if len(members) < 2:
            continue
        kept = []
        for i in members:
            windows = [spans[j] for j in members if j != i]
            if all(w is not None for w in windows) and spans[i] is not None:
                windows = [
                    w for w in windows if w[0] <= spans[i][1] and w[1] >= spans[i][0]
                ]
                if not windows:
                    kept.append(
                        (np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64"))
                    )
                    continue
            kept.append(_candidates(parts[i].result, windows))
        if any(k is None for k in kept):
            continue
        if sum(len(positions) for positions, _rows in kept) == 0:
            continue
        first = parts[members[0]].result.table
        names = [str(c) for c in first.columns]
        by_key = {" ".join(n.split()).lower(): n for n in names}
        pieces = []
        for i, (positions, _rows) in zip(members, kept, strict=True):
            table = parts[i].result.table
            renamed = table.rename(
                columns={c: by_key[" ".join(str(c).split()).lower()] for c in table}
            )
            pieces.append(renamed.iloc[positions][names])
        stacked = pd.concat(pieces, ignore_index=True)
        key = stacked.groupby(names, dropna=False, sort=False).ngroup().to_numpy()
        n_keys = int(key.max()) + 1 if len(key) else 0
        seen = np.zeros(n_keys, dtype="int64")
        start = 0
        for i, (positions, rows) in zip(members, kept, strict=True):
            k = key[start : start + len(positions)]
            start += len(positions)
            occurrence = pd.Series(k).groupby(k).cumcount().to_numpy()
            repeat = occurrence < seen[k]
            out[i] = rows[positions[repeat]]
            seen = np.maximum(seen, np.bincount(k, minlength=n_keys))
    return out


def _as_categorical(values: pd.Series) -> pd.Series:
    """A column of strings (or missing values) as a categorical of strings."""
    codes, uniques = pd.factorize(values.to_numpy(dtype="object"), use_na_sentinel=True)
    categories = pd.Index([str(u) for u in uniques], dtype="str")
    return pd.Series(pd.Categorical.from_codes(codes, categories=categories))


def _unique_field(name: str, taken: set[str]) -> str:
    field, n = name, 2
    while field.casefold() in taken:
        field = f"{name} ({n})"
        n += 1
    return field


def _merge_models(
    parts: Sequence[Part], frame: pd.DataFrame, source_field: str
) -> list[dict]:
    """The combined dataset model: every file's columns by name (the first file's
    description wins), dimension counts over all files, plus the source-file column."""
    merged: dict[str, dict] = {}
    for part in parts:
        for column in part.result.report.get("columns") or []:
            merged.setdefault(str(column["name"]).casefold(), dict(column))
    out = []
    for column in merged.values():
        field = column.get("field")
        if column.get("kind") == DIMENSION and field and field in frame:
            column["distinct"] = int(frame[field].nunique())
        out.append(column)
    out.append(
        ColumnInfo(
            SOURCE_FILE,
            DIMENSION,
            field=source_field,
            distinct=int(frame[source_field].nunique()),
        ).to_dict()
    )
    return out


def _short_read(read: dict[str, Any]) -> dict[str, Any]:
    """How one file was read, without the row-number runs."""
    keys = (
        "file_type",
        "encoding",
        "delimiter",
        "decimal",
        "thousands",
        "date_order",
        "sheet",
        "header_row",
        "header_rows",
    )
    return {k: read.get(k) for k in keys if read.get(k) not in (None, [], "")}


def _span(frame: pd.DataFrame) -> tuple[str | None, str | None]:
    dates = frame[DATE].dropna() if DATE in frame else pd.Series([], dtype="float")
    if dates.empty:
        return None, None
    return dates.min().strftime("%Y-%m-%d"), dates.max().strftime("%Y-%m-%d")


def span_notes(files: Sequence[dict[str, Any]], frame: pd.DataFrame) -> list[str]:
    """Sentences on the files' date spans: months without any data between the first
    and the last date, and files whose spans overlap."""
    notes = []
    dated = sorted(
        (f for f in files if f.get("date_start")), key=lambda f: f["date_start"]
    )
    unmatched = []
    for index, earlier in enumerate(dated):
        for later in dated[index + 1 :]:
            if later["date_start"] <= earlier["date_end"]:
                end = min(earlier["date_end"], later["date_end"])
                notes.append(
                    f"“{earlier['name']}” and “{later['name']}” overlap from "
                    f"{later['date_start']} to {end}."
                )
                if not earlier.get("overlap") and not later.get("overlap"):
                    unmatched.append(f"“{earlier['name']}” and “{later['name']}”")
    if len(notes) > MAX_PAIR_NOTES:
        more = len(notes) - MAX_PAIR_NOTES
        notes = notes[:MAX_PAIR_NOTES] + [
            f"{more} more pairs of files overlap in dates."
        ]
    if unmatched:
        listed = "; ".join(unmatched[:3]) + (
            f" and {len(unmatched) - 3} more pairs" if len(unmatched) > 3 else ""
        )
        notes.append(
            f"{listed} cover the same dates with no identical rows ({UNMATCHED_OVERLAP}) "
            "Right for files of different stores or channels; if they are exports of "
            "the same sales, those dates are counted twice: remove one of them."
        )
    dates = frame[DATE].dropna() if DATE in frame else pd.Series([], dtype="float")
    if len(dates) and len(dated) > 1:
        have = set(dates.dt.to_period("M").unique())
        months = pd.period_range(min(have), max(have), freq="M")
        missing = [m for m in months if m not in have]
        if missing:
            listed = ", ".join(
                f"{MONTH_NAMES[m.month - 1]} {m.year}" for m in missing[:12]
            )
            more = f" and {len(missing) - 12} more months" if len(missing) > 12 else ""
            notes.append(
                f"No data for {listed}{more} (between the first and last date of the "
                "files): a file may be missing."
            )
    return notes


def combine(parts: Sequence[Part], *, keep_overlaps: bool = False) -> IngestResult:
    """One :class:`IngestResult` from several files' results (see the module docstring).

    Parameters
    ----------
    parts:
        The files in upload order (earlier files win an overlap). Their frames are
        canonical frames extended with their dimensions and measures.
    keep_overlaps:
        Keep rows repeating rows of earlier files (they are counted either way).

    Returns
    -------
    The combined result: ``frame`` with a ``Source file`` categorical column; ``table``
    the first file's table; ``mapping`` the first file's; ``report["files"]`` one
    record per file; ``report["overlaps"]`` the repeats found and whether they were
    dropped. Raises :class:`IngestError` when the files cannot be combined.
    """
    if not parts:
        raise IngestError("No file was sent.")
    check_compatible(parts)
    repeats = overlap_rows(parts)
    frames = []
    files: list[dict[str, Any]] = []
    set_aside: dict[str, int] = {}
    for part, repeat in zip(parts, repeats, strict=True):
        result = part.result
        frame = result.frame
        found = int(len(repeat))
        dropped = found if not keep_overlaps else 0
        if dropped:
            frame = frame.loc[~np.isin(frame[SOURCE_ROW].to_numpy(), repeat)]
        frames.append(frame)
        report = result.report
        own = report.get("set_aside") or []
        for entry in own:
            set_aside[entry["reason"]] = set_aside.get(entry["reason"], 0) + int(
                entry["count"]
            )
        start, end = _span(result.frame)
        files.append(
            {
                "name": part.name,
                "rows_read": int(report.get("rows_read", len(result.table))),
                "rows_used": int(len(frame)),
                "joined": int(report.get("joined") or 0),
                "set_aside": int(sum(e["count"] for e in own)) + dropped,
                "set_aside_reasons": [
                    {"reason": e["reason"], "count": int(e["count"])} for e in own
                ]
                + ([{"reason": OVERLAP_REASON, "count": dropped}] if dropped else []),
                "overlap": found,
                "overlap_rows": [int(r) for r in repeat[:5]],
                "duplicates": int((report.get("duplicates") or {}).get("count", 0)),
                "read": _short_read(report.get("read") or {}),
                "date_start": start,
                "date_end": end,
                "currency": report.get("currency"),
                "columns_signature": columns_signature(list(result.table.columns)),
            }
        )
    found_total = sum(f["overlap"] for f in files)
    dropped_total = 0 if keep_overlaps else found_total
    if dropped_total:
        set_aside[OVERLAP_REASON] = dropped_total

    combined = pd.concat(frames, ignore_index=True)
    taken = {str(c).casefold() for c in combined.columns}
    source_field = _unique_field(SOURCE_FILE, taken)
    names = np.repeat([p.name for p in parts], [len(f) for f in frames])
    combined[source_field] = _as_categorical(pd.Series(names, dtype="object"))
    for name in combined.columns:
        if name == source_field:
            continue
        if any(
            name in f and isinstance(f[name].dtype, pd.CategoricalDtype) for f in frames
        ):
            combined[name] = _as_categorical(combined[name])

    first = parts[0].result
    warnings = _warnings(parts, files, set_aside, combined, keep_overlaps)
    negatives: dict[str, int] = {}
    assumptions: list[str] = []
    duplicates = {"count": 0, "rows": [], "dropped": False}
    for part in parts:
        report = part.result.report
        for key, value in (report.get("negatives") or {}).items():
            negatives[key] = negatives.get(key, 0) + int(value)
        for sentence in report.get("assumptions") or []:
            if sentence not in assumptions:
                assumptions.append(sentence)
        dup = report.get("duplicates") or {}
        duplicates["count"] += int(dup.get("count", 0))
        duplicates["dropped"] = duplicates["dropped"] or bool(dup.get("dropped"))
    start, end = _span(combined)
    report = {
        **first.report,
        "rows_read": sum(f["rows_read"] for f in files),
        "rows_used": int(len(combined)),
        "joined": sum(f["joined"] for f in files),
        "set_aside": [{"reason": r, "count": c} for r, c in set_aside.items()],
        "assumptions": assumptions,
        "duplicates": duplicates,
        "negatives": negatives,
        "date_range": [start, end] if start else None,
        "columns": _merge_models(parts, combined, source_field),
        "files": files,
        "overlaps": {"count": found_total, "dropped": not keep_overlaps},
        "span_notes": span_notes(files, combined),
    }
    return IngestResult(
        frame=combined,
        table=first.table,
        mapping=dict(first.mapping),
        confidence=dict(first.confidence),
        report=report,
        warnings=warnings,
    )


def _warnings(
    parts: Sequence[Part],
    files: list[dict[str, Any]],
    set_aside: dict[str, int],
    frame: pd.DataFrame,
    keep_overlaps: bool,
) -> list[str]:
    out = []
    lost = sum(set_aside.values())
    if lost:
        out.append(
            f"Set aside {lost} row(s) of {len(parts)} files: "
            + "; ".join(f"{c} {r}" for r, c in set_aside.items())
            + ". The Data quality card lists them per file."
        )
    out.extend(n for n in span_notes(files, frame) if UNMATCHED_OVERLAP in n)
    found = sum(f["overlap"] for f in files)
    if found and keep_overlaps:
        out.append(
            f"{found} row(s) repeat rows of an earlier file (overlapping exports) and "
            "are counted twice, as you chose; drop them in the Data quality card."
        )
    for role in _TEXT_ROLES:
        having = [p for p in parts if has_figure(p.result.frame, role)]
        if having and len(having) < len(parts):
            lacking = [p for p in parts if not has_figure(p.result.frame, role)]
            out.append(
                f"{_names(lacking)} {'has' if len(lacking) == 1 else 'have'} no "
                f"{ROLE_LABELS[role]} column: {ROLE_LABELS[role].lower()} figures "
                "only cover the other files."
            )
    seen: dict[str, list[str]] = {}
    for part in parts:
        for sentence in part.result.warnings:
            if sentence.startswith(("Set aside ", "Applied the column mapping")):
                continue
            seen.setdefault(sentence, []).append(part.name)
    for sentence, names in seen.items():
        if len(names) == len(parts):
            out.append(sentence)
        else:
            out.append(f"{', '.join(names)}: {sentence}")
    return out
