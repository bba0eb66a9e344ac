"""Filtered views of a session's data, with derived frames cached in the shared store."""

from __future__ import annotations

import csv
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from analytics.customers import CustomerView, customer_view, has_customers
from analytics.dataset_model import ColumnInfo, DatasetModel, model_of
from analytics.forecast import SKU_WINDOW, project_sku_scores
from analytics.formatting import format_date
from analytics.metrics import (
    COMPARES,
    Change,
    FilterError,
    HistoryFigures,
    SkuFigures,
    choose_granularity,
    comparison_bounds,
    filter_frame,
    history_figures,
    monthly_sku_scores,
    sku_figures,
    sku_scores,
    what_changed,
)
from analytics.query import (
    Filter,
    QueryError,
    QuerySpec,
    available_measures,
    filter_rows,
    frame_model,
    groupable_columns,
    run,
    values_of,
)
from analytics.schema import CATEGORY, CUSTOMER, DATE, SKU
from services.datasets import Dataset
from services.frames import FrameCache
from services.store import SessionStore

#: Part of the cache names of derived SKU figures (``/api/data`` parts): those stored
#: under an older formula are ignored.
SCORE_FORMULA = "pr1"

#: Canonical frames decoded in this process (sized by ``FRAME_CACHE_MB`` in create_app).
FRAMES = FrameCache(max_bytes=256 * 2**20)


def split_filter_values(text: str) -> list[str]:
    """The values of a ``filter=Column:v1,v2`` parameter: comma-separated, a value
    holding a comma written in double quotes (``"Smith, John"``, a quote inside doubled);
    blanks left out."""
    try:
        row = next(csv.reader([text], skipinitialspace=True), [])
    except csv.Error:  # a line break inside: plain commas
        row = text.split(",")
    return [v.strip() for v in row if v.strip()]


def join_filter_values(values: list[str] | tuple[str, ...]) -> str:
    """The inverse of :func:`split_filter_values`."""
    return ",".join(
        '"' + v.replace('"', '""') + '"' if ("," in v or v.startswith('"')) else v
        for v in values
    )


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the dashboard to; empty values mean "all"."""

    start: str | None = None
    end: str | None = None
    categories: tuple[str, ...] = field(default_factory=tuple)
    sku_query: str | None = None
    #: (column, values) pairs: rows whose column holds one of the values (any column
    #: the dataset keeps: dimensions, SKU, category, customer, order id)
    dimensions: tuple[tuple[str, tuple[str, ...]], ...] = field(default_factory=tuple)

    @classmethod
    def from_inputs(
        cls,
        start: str | None = None,
        end: str | None = None,
        categories: list[str] | str | None = None,
        sku_query: str | None = None,
        dimensions: dict[str, list[str]] | None = None,
    ) -> Filters:
        if isinstance(categories, str):
            categories = [c for c in categories.split(",") if c.strip()]
        chosen = tuple(
            sorted(
                (
                    str(column).strip(),
                    tuple(sorted({str(v).strip() for v in values if str(v).strip()})),
                )
                for column, values in (dimensions or {}).items()
                if str(column).strip()
            )
        )
        return cls(
            start=(start or None) and str(start)[:10],
            end=(end or None) and str(end)[:10],
            categories=tuple(
                sorted(c.strip() for c in categories or [] if c and c.strip())
            ),
            sku_query=(sku_query or "").strip() or None,
            dimensions=tuple((c, v) for c, v in chosen if v),
        )

    @property
    def active(self) -> bool:
        return bool(
            self.start
            or self.end
            or self.categories
            or self.sku_query
            or self.dimensions
        )

    def key(self) -> str:
        raw = json.dumps([self.start, self.end, self.categories, self.sku_query])
        if self.dimensions:
            raw += json.dumps(self.dimensions)
        return hashlib.sha1(raw.encode()).hexdigest()[:16]

    def as_dict(self) -> dict[str, Any]:
        """The filters as JSON; ``dimensions`` (column -> values) only when set."""
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "categories": list(self.categories),
            "sku_query": self.sku_query,
        }
        if self.dimensions:
            out["dimensions"] = {
                column: list(values) for column, values in self.dimensions
            }
        return out

    def describe(self) -> str:
        parts = []
        if self.start or self.end:
            parts.append(f"dates {self.start or 'start'} to {self.end or 'end'}")
        if self.categories:
            parts.append("category " + ", ".join(self.categories))
        if self.sku_query:
            parts.append(f"SKU contains “{self.sku_query}”")
        for column, values in self.dimensions:
            parts.append(f"{column} " + ", ".join(values))
        return "; ".join(parts) if parts else "all data"


@dataclass(frozen=True)
class View:
    """A session's data under a set of filters."""

    dataset: Dataset
    filters: Filters
    #: every date, same non-date filters (for comparisons with the previous period)
    history: pd.DataFrame
    #: the rows in view
    rows: pd.DataFrame


def dataset_model(dataset: Dataset) -> DatasetModel:
    """The dataset model stored with a session (see ``analytics.dataset_model``)."""
    return model_of(dataset.frame, dataset.meta.report.get("columns"))


def build_view(dataset: Dataset, filters: Filters) -> View:
    """Apply ``filters``; raises ``analytics.metrics.FilterError`` on unusable values."""
    frame = dataset.frame
    if filters.dimensions:
        try:
            frame = filter_rows(
                frame,
                frame_model(frame, dataset_model(dataset)),
                [Filter(column, values) for column, values in filters.dimensions],
            )
        except QueryError as error:
            raise FilterError(str(error)) from None
    history = filter_frame(
        frame,
        categories=list(filters.categories) or None,
        sku_query=filters.sku_query,
    )
    rows = filter_frame(history, start=filters.start, end=filters.end)
    return View(dataset=dataset, filters=filters, history=history, rows=rows)


class _Pending:
    """A value being built by one thread that others asking for it wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class Memo:
    """The last few values built in this process, by key, built once even when several
    threads ask at the same time.

    One filter change fires several callbacks at once (KPIs, charts, breakdown, the SKU
    table, customers, what changed, insights): the dashboard's page posts them together,
    so a worker's threads ask for the same filtered view in the same few milliseconds.
    The first builds it, the others wait for it rather than building it again. An error
    of the build (such as unusable filters) reaches every caller waiting for it.
    """

    #: Seconds a caller waits for another thread's build before building it itself.
    WAIT_SECONDS = 60.0

    def __init__(self, size: int, max_bytes: int | None = None) -> None:
        self.size = size
        #: memory the kept values may take (the latest is kept whatever its size)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._values: OrderedDict[Any, Any] = OrderedDict()
        self._sizes: dict[Any, int] = {}
        self._pending: dict[Any, _Pending] = {}

    def get(self, key: Any, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            pending = self._pending.get(key)
            owner = pending is None
            if owner:
                pending = self._pending[key] = _Pending()
        if not owner:
            if pending.done.wait(self.WAIT_SECONDS):
                if pending.error is not None:
                    raise pending.error
                return pending.value
            return build()
        try:
            value = build()
        except BaseException as error:
            pending.error = error
            with self._lock:
                self._pending.pop(key, None)
            pending.done.set()
            raise
        pending.value = value
        weight = _bytes_of(value) if self.max_bytes is not None else 0
        with self._lock:
            self._pending.pop(key, None)
            self._values[key] = value
            self._sizes[key] = weight
            while len(self._values) > 1 and (
                len(self._values) > self.size
                or (
                    self.max_bytes is not None
                    and sum(self._sizes.values()) > self.max_bytes
                )
            ):
                old, _ = self._values.popitem(last=False)
                self._sizes.pop(old, None)
        pending.done.set()
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._sizes.clear()


def _bytes_of(value: Any) -> int:
    """Memory of the frames a kept value holds (a frame, or an object with ``rows``)."""
    frames = [value] if isinstance(value, pd.DataFrame) else []
    frames += [
        getattr(value, name)
        for name in ("rows", "history")
        if isinstance(getattr(value, name, None), pd.DataFrame)
    ]
    return int(sum(f.memory_usage(index=True, deep=False).sum() for f in frames))


def _memo_key(dataset: Dataset, filters: Filters) -> tuple[str, int, Filters]:
    return (
        dataset.meta.session_id,
        dataset.meta.revision,
        filters,
    )


class ViewMemo:
    """The last few filtered views built in this process, by session, data revision and
    filters.

    One filter change fires several callbacks (KPIs, charts, the SKU table…), each needing
    the same filtered rows: the first builds them, the others reuse them, also when they
    ask at the same moment (see ``Memo``). A rebuild of the session's data increments its
    revision, so an old view is never handed out; the metadata in a returned view is
    always the caller's (fresh from the store). Frames are shared read-only (pandas
    copies on write). Safe across threads.
    """

    def __init__(self, size: int = 4) -> None:
        self._memo = Memo(size)

    @property
    def size(self) -> int:
        return self._memo.size

    def view(self, dataset: Dataset, filters: Filters) -> View:
        memo = self._memo.get(
            _memo_key(dataset, filters), lambda: build_view(dataset, filters)
        )
        if memo.dataset is dataset:
            return memo
        return View(dataset, filters, memo.history, memo.rows)

    def clear(self) -> None:
        self._memo.clear()


#: Filtered views built in this process (see ``ViewMemo``).
VIEWS = ViewMemo()


def load_view(store: SessionStore, sid: str, filters: Filters) -> View | None:
    dataset = cached_dataset(store, sid)
    return None if dataset is None else VIEWS.view(dataset, filters)


def cached_dataset(
    store: SessionStore, sid: str, frames: FrameCache | None = None
) -> Dataset | None:
    """The session's metadata and canonical frame, or None when unknown/expired; like
    ``services.datasets.load_dataset`` but the decoded frame is kept in this process.

    The metadata comes from the store on every call: it says whether the session is still
    alive and which ``revision`` of its data is current, the key of the kept frame. Every
    rebuild of a session's data stores the new frame and then increments the revision,
    so a rebuild done by another worker is seen on the next call here.
    """
    frames = FRAMES if frames is None else frames
    meta = store.get_meta(sid)
    if meta is None:
        return None
    revision = meta.revision
    frame = frames.get(sid, revision)
    if frame is None:
        frame = store.get_frame(sid, "frame")
        if frame is None:
            return None
        frames.put(sid, revision, frame)
    return Dataset(meta=meta, frame=frame)


#: SKU scores and monthly scores computed in this process, per session, data revision
#: and filters (each worker computes those of a filter set once; nothing is written to
#: the store: encoding a frame there costs about as much as computing it).
SKU_FRAMES = Memo(16, max_bytes=64 * 2**20)


def cached_sku_scores(store: SessionStore, view: View) -> pd.DataFrame:
    """SKU scores of the rows in view, with next month's projected score and a
    "trending down" flag; computed once per data revision and filter set.

    Columns: those of ``analytics.metrics.sku_scores`` plus ``projected_score`` (NaN with fewer
    than 3 scored months) and ``trending_down`` (bool). The projection and the trend come
    from the monthly scores of the last ``SKU_WINDOW`` months in view, normalised within
    each month exactly like the overall score (each month is scored among its own SKUs,
    so only those months' rows are scored: the full monthly history is computed when a
    SKU's detail asks for it, ``cached_monthly_scores``).
    """
    key = ("sku_scores", *_memo_key(view.dataset, view.filters))
    return SKU_FRAMES.get(key, lambda: _scores_with_projection(store, view))


def cached_sku_figures(view: View) -> SkuFigures:
    """The per-SKU figures of the rows in view (``analytics.metrics.sku_figures``),
    computed once per data revision and filter set: the SKU table, the SKU charts and
    the insights of one filter change share them."""
    key = ("sku_figures", *_memo_key(view.dataset, view.filters))
    return SKU_FRAMES.get(key, lambda: sku_figures(view.rows))


#: What the KPI cards read from a view's history (coverage, monthly totals), per
#: session, data revision and non-date filters: a change of dates reuses them.
HISTORY_FIGURES = Memo(8)


def cached_history_figures(view: View) -> HistoryFigures:
    """``analytics.metrics.history_figures`` of the view's history (every date under the
    same non-date filters), computed once per data revision and non-date filters."""
    undated = replace(view.filters, start=None, end=None)
    key = ("history", *_memo_key(view.dataset, undated))
    return HISTORY_FIGURES.get(key, lambda: history_figures(view.history))


def _scores_with_projection(store: SessionStore, view: View) -> pd.DataFrame:
    scores = sku_scores(view.rows, cached_sku_figures(view))
    monthly = _recent_monthly_scores(store, view)
    if len(monthly):
        # fitted per SKU code (grouping integers, not text: same sums, same order)
        codes, skus = pd.factorize(monthly["sku"])
        projection = project_sku_scores(monthly.assign(sku=codes), window=SKU_WINDOW)[
            ["sku", "projected_score", "trending_down"]
        ]
        projection["sku"] = skus.take(projection["sku"].to_numpy())
        scores = scores.merge(projection, on="sku", how="left")
        scores["trending_down"] = scores["trending_down"].fillna(False).astype(bool)
    else:
        scores = scores.assign(projected_score=float("nan"), trending_down=False)
    return scores


def _recent_monthly_scores(store: SessionStore, view: View) -> pd.DataFrame:
    """Monthly SKU scores of the last ``SKU_WINDOW`` calendar months with SKU sales in
    view: those the projection reads, identical to the same months of
    ``cached_monthly_scores`` (a month's scores depend on that month's rows only)."""
    rows = view.rows
    dates = rows[DATE].where(rows[SKU].notna())
    last = dates.max()
    if pd.isna(last):
        return monthly_sku_scores(rows.iloc[0:0])
    first = pd.Timestamp(last.year, last.month, 1) - pd.DateOffset(
        months=SKU_WINDOW - 1
    )
    monthly = monthly_sku_scores(rows.loc[(rows[DATE] >= first).to_numpy(bool)])
    scored = monthly.loc[monthly["score"].notna(), "month"]
    if scored.empty or scored.max() != pd.Timestamp(last.year, last.month, 1):
        # the latest month has no score (no usable amounts): the window the projection
        # takes starts earlier, so score every month as it would
        return cached_monthly_scores(store, view)
    return monthly


def cached_monthly_scores(store: SessionStore, view: View) -> pd.DataFrame:
    """Per-month SKU scores of the rows in view (for drill-downs), computed once per data
    revision and filter set in this process."""
    key = ("monthly_scores", *_memo_key(view.dataset, view.filters))
    return SKU_FRAMES.get(key, lambda: monthly_sku_scores(view.rows))


_CUSTOMER_VIEWS: OrderedDict[tuple, CustomerView] = OrderedDict()
_CUSTOMER_LOCK = threading.Lock()
#: Customer views kept in memory (per session, data revision and filter set).
CUSTOMER_VIEWS_KEPT = 32


def cached_customer_view(view: View) -> CustomerView | None:
    """The customer figures of the rows in view (``analytics.customers``), or None when
    the data has no customer ids; computed once per data revision and filter set."""
    if not has_customers(view.dataset.frame):
        return None
    meta = view.dataset.meta
    key = (meta.session_id, meta.revision, view.filters.key())
    with _CUSTOMER_LOCK:
        found = _CUSTOMER_VIEWS.get(key)
        if found is not None:
            _CUSTOMER_VIEWS.move_to_end(key)
            return found
    result = customer_view(view.rows)
    with _CUSTOMER_LOCK:
        _CUSTOMER_VIEWS[key] = result
        while len(_CUSTOMER_VIEWS) > CUSTOMER_VIEWS_KEPT:
            _CUSTOMER_VIEWS.popitem(last=False)
    return result


def view_changes(
    view: View,
    compare: str,
    *,
    by: str | None = None,
    measure: str = "revenue",
    granularity: str | None = None,
) -> Change:
    """What changed for the view's dates (or, without them, the dates it covers) against
    the comparison period, split by ``by`` (a header, or category / sku / customer) or by
    the dimension whose largest value moved most. Raises ``FilterError`` with a reason."""
    frame = view.history
    model = frame_model(frame, dataset_model(view.dataset))
    fields = {c.name: c.field for c in model.dimensions if c.field in frame}
    candidates = [c for c in (CATEGORY, SKU, CUSTOMER) if c in frame]
    candidates += [f for f in fields.values() if f not in candidates]
    if by is not None:
        by = fields.get(by, by)
        if by not in candidates:
            listed = ", ".join(["category", "sku", "customer", *fields])
            raise FilterError(f"Cannot split by {by!r}: use one of {listed}.")
    dates = view.rows[DATE].dropna()
    start = view.filters.start or (None if dates.empty else f"{dates.min():%Y-%m-%d}")
    end = view.filters.end or (None if dates.empty else f"{dates.max():%Y-%m-%d}")
    granularity = granularity or (choose_granularity(view.rows) if len(dates) else None)
    return what_changed(
        frame,
        start,
        end,
        compare,
        candidates=candidates,
        by=by,
        measure=measure,
        weekday_aligned=granularity in ("day", "week"),
    )


@dataclass(frozen=True)
class Comparison:
    """The comparison period of a view and its rows (same non-date filters)."""

    label: str  # "previous period" or "a year earlier"
    start: pd.Timestamp
    end: pd.Timestamp
    previous_start: pd.Timestamp
    previous_end: pd.Timestamp
    rows: pd.DataFrame
    #: whether the data reaches back to the comparison period (else nothing to compare)
    covered: bool

    def describe(self) -> str:
        """The comparison's dates in the reader's locale: "Jan 1, 2024 – Mar 31, 2024"."""
        return f"{format_date(self.previous_start)} – {format_date(self.previous_end)}"


#: Comparison periods of recent views (the KPI, chart and "what changed" callbacks of
#: one filter change ask for the same one).
COMPARISONS = Memo(4, max_bytes=64 * 2**20)


def view_comparison(
    view: View, compare: str | None, granularity: str | None
) -> Comparison | None:
    """The view's comparison period (``previous_period`` or ``year_ago``, weekday-aligned
    for daily and weekly series), or None when off or the view has no dates."""
    if compare not in COMPARES:
        return None
    aligned = granularity in ("day", "week")
    key = (*_memo_key(view.dataset, view.filters), compare, aligned)
    return COMPARISONS.get(key, lambda: _comparison(view, compare, granularity))


def _comparison(view: View, compare: str, granularity: str | None) -> Comparison | None:
    dates = view.rows[DATE].dropna()
    if dates.empty:
        return None
    start = view.filters.start or f"{dates.min():%Y-%m-%d}"
    end = view.filters.end or f"{dates.max():%Y-%m-%d}"
    first, last, before, until = comparison_bounds(
        start, end, compare, weekday_aligned=granularity in ("day", "week")
    )
    history = view.history
    known = history[DATE].dropna()
    slack = min((last - first) / 10, pd.Timedelta(days=7))
    covered = bool(len(known)) and known.min() <= before + slack
    inside = (history[DATE] >= before) & (history[DATE] < until + pd.Timedelta(days=1))
    return Comparison(
        label="previous period" if compare == "previous_period" else "a year earlier",
        start=first,
        end=last,
        previous_start=before,
        previous_end=until,
        rows=history[inside],
        covered=covered,
    )


#: Figures of a breakdown, in table order (those the data has are shown).
BREAKDOWN_MEASURES = ("revenue", "profit", "margin", "orders", "transactions", "share")


def breakdown_columns(dataset: Dataset) -> list[ColumnInfo]:
    """Columns the dashboard can filter and break down by: the file's kept
    dimensions and its category, SKU, customer and order id columns."""
    return groupable_columns(frame_model(dataset.frame, dataset_model(dataset)))


def column_values(dataset: Dataset, name: str) -> list[str]:
    """The distinct values of breakdown column ``name`` (sorted); [] when unknown."""
    model = frame_model(dataset.frame, dataset_model(dataset))
    column = model.find(name)
    if column is None or not column.field or column.field not in dataset.frame:
        return []
    return values_of(dataset.frame, column.field)


def dimension_breakdown(
    view: View, columns: list[str] | tuple[str, ...], limit: int | None = None
):
    """Revenue, profit, margin, orders, transactions and share (those the data has)
    per value of ``columns`` over the view's rows, largest revenue first (the first
    ``limit`` values when set; shares stay those of all the rows in view); raises
    ``QueryError`` for a column the data does not have."""
    model = frame_model(view.dataset.frame, dataset_model(view.dataset))
    have = set(available_measures(model, view.dataset.frame))
    measures = tuple(m for m in BREAKDOWN_MEASURES if m in have)
    spec = QuerySpec(
        measures=measures, group_by=tuple(columns), sort="revenue", limit=limit
    )
    return run(view.rows, spec, model)
