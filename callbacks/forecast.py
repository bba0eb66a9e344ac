"""The forecast as a Dash background callback: progress, cancel, retry, cached per parameters.

The job runs outside the request (a job-runner process, or a Celery worker), so it gets
the session id and parameters, opens its own store handle, and never receives a DataFrame.
Every job ends in a state the card shows: the forecast, a failure with its reason, timed
out, lost (the server restarted) or cancelled; all but success offer a Retry button.
"""

from __future__ import annotations

from collections.abc import Callable

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, html

from analytics.forecast import ForecastError
from analytics.formatting import use_locale
from callbacks.context import reader_locale, store
from components import ids
from components.figures import empty_figure
from components.forecast import (
    BY_LIMIT,
    BY_TOTAL,
    by_options,
    forecast_by_figure,
    forecast_by_info,
    forecast_figure,
    forecast_info,
)
from config import Settings
from services.forecasts import (
    ForecastParams,
    compute_forecast,
    compute_group_forecast,
    group_choices,
)
from services.jobs import JobTarget, job_callback, job_failure
from services.store import store_from_settings
from services.views import cached_dataset

#: Class of the Retry button when shown and when hidden.
RETRY_SHOWN = ""
RETRY_HIDDEN = "d-none"


def run_forecast(
    settings: Settings,
    set_progress: Callable[[tuple], None],
    session_id: str | None,
    metric: str | None,
    freq: str | None,
    horizon: object,
    model: str | None,
    by: str | None = None,
) -> tuple:
    """Compute (or fetch) the forecast and render it; reports progress as it goes.

    With ``by`` (a column of ``services.forecasts.group_choices``) the card shows one
    forecast per value of that column for its ``BY_LIMIT`` largest values."""
    try:
        params = ForecastParams.parse(metric, horizon, model, freq)
    except ForecastError as error:
        return empty_figure(str(error)), [str(error)], RETRY_HIDDEN
    if by and by != "total":
        return _run_by(settings, set_progress, session_id, params, by)
    set_progress((15, "Preparing the history…"))
    store = store_from_settings(settings)

    def queued(seconds: float) -> None:
        set_progress((10, f"Waiting for a free worker ({seconds:.0f} s)…"))

    set_progress((40, "Fitting the models and back-testing them…"))
    result = compute_forecast(
        store,
        session_id or "",
        params,
        max_jobs=settings.MAX_CONCURRENT_JOBS,
        on_wait=queued,
        wait_timeout=settings.JOB_TIMEOUT_SECONDS,
    )
    if result is None:
        message = "This session has expired. Upload the file again."
        return empty_figure(message), [message], RETRY_HIDDEN
    meta = store.get_meta(session_id or "")
    currency = meta.currency_symbol if meta else "$"
    retry = RETRY_SHOWN if result.get("status") == "failed" else RETRY_HIDDEN
    return forecast_figure(result, currency), forecast_info(result), retry


def _run_by(
    settings: Settings,
    set_progress: Callable[[tuple], None],
    session_id: str | None,
    params: ForecastParams,
    by: str,
) -> tuple:
    set_progress((40, "Fitting the models for each value…"))
    store = store_from_settings(settings)
    try:
        result = compute_group_forecast(
            store,
            session_id or "",
            params,
            by,
            BY_LIMIT,
            max_jobs=settings.MAX_CONCURRENT_JOBS,
            wait_timeout=settings.JOB_TIMEOUT_SECONDS,
        )
    except ForecastError as error:
        return empty_figure(str(error)), [str(error)], RETRY_HIDDEN
    if result is None:
        message = "This session has expired. Upload the file again."
        return empty_figure(message), [message], RETRY_HIDDEN
    meta = store.get_meta(session_id or "")
    currency = meta.currency_symbol if meta else "$"
    retry = RETRY_SHOWN if result.get("status") == "failed" else RETRY_HIDDEN
    return (
        forecast_by_figure(result, currency),
        forecast_by_info(result, currency),
        retry,
    )


def by_choices(session_id: str | None) -> list[dict]:
    """Options of the "By" selector for the session's data (Total only when unknown)."""
    dataset = cached_dataset(store(), session_id) if session_id else None
    return BY_TOTAL if dataset is None else by_options(group_choices(dataset))


def job_ended_without_result(error: Exception) -> tuple:
    """What the card shows when the job failed, timed out or its process was lost."""
    state, message = job_failure(error)
    title = {
        "timed_out": "The forecast timed out.",
        "lost": "The forecast stopped before it finished.",
        "cancelled": "The forecast was cancelled.",
    }.get(state, "The forecast could not be computed.")
    info = [
        dbc.Alert(
            [html.Strong(title + " "), message],
            color="warning",
            className="small mb-0 py-2",
        )
    ]
    return empty_figure(title), info, RETRY_SHOWN


def cancelled(_clicks: int | None) -> tuple:
    """After Cancel: say so and offer Retry (the job itself is stopped by Dash)."""
    return [
        html.Span("Forecast cancelled. ", className="text-muted"),
        html.Span("Press Retry to run it again.", className="text-muted"),
    ], RETRY_SHOWN


def forecast_job_target(
    settings: Settings,
    set_progress: Callable[[tuple], None],
    session_id: str | None,
    metric: str | None,
    freq: str | None,
    horizon: object,
    model: str | None,
    by: str | None = None,
    _retry: int | None = None,
) -> tuple:
    """The job body the runner calls (the Retry clicks only re-trigger it); figures
    are written in the reader's locale, which the job process learns from the
    callback's cookies and headers."""
    with use_locale(reader_locale(settings.DEFAULT_LOCALE)):
        return run_forecast(
            settings, set_progress, session_id, metric, freq, horizon, model, by
        )


def register(app: Dash, settings: Settings) -> None:
    def forecast_job(set_progress, session_id, metric, freq, horizon, model, by, retry):
        return forecast_job_target(
            settings, set_progress, session_id, metric, freq, horizon, model, by, retry
        )

    app.callback(
        Output(ids.FORECAST_BY, "options"),
        Input(ids.SESSION_ID, "data"),
    )(by_choices)

    job_callback(forecast_job, JobTarget.of(forecast_job_target, settings))
    app.callback(
        Output(ids.FORECAST_INFO, "children", allow_duplicate=True),
        Output(ids.FORECAST_RUN, "className", allow_duplicate=True),
        Input(ids.FORECAST_CANCEL, "n_clicks"),
        prevent_initial_call=True,
    )(cancelled)
    app.callback(
        Output(ids.FORECAST_GRAPH, "figure"),
        Output(ids.FORECAST_INFO, "children"),
        Output(ids.FORECAST_RUN, "className"),
        Input(ids.SESSION_ID, "data"),
        Input(ids.FORECAST_METRIC, "value"),
        Input(ids.FORECAST_FREQ, "value"),
        Input(ids.FORECAST_HORIZON, "value"),
        Input(ids.FORECAST_MODEL, "value"),
        Input(ids.FORECAST_BY, "value"),
        Input(ids.FORECAST_RUN, "n_clicks"),
        background=True,
        on_error=job_ended_without_result,
        progress=[
            Output(ids.FORECAST_PROGRESS, "value"),
            Output(ids.FORECAST_PROGRESS, "label"),
        ],
        running=[
            (Output(ids.FORECAST_CANCEL, "disabled"), False, True),
            (Output(ids.FORECAST_RUN, "disabled"), True, False),
            (
                Output(ids.FORECAST_PROGRESS, "className"),
                "mb-2 forecast-progress",
                "mb-2 forecast-progress d-none",
            ),
        ],
        cancel=[Input(ids.FORECAST_CANCEL, "n_clicks")],
    )(forecast_job)
