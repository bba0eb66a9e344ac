"""The forecast as a Dash background callback: progress, cancel, cached per parameters.

The job runs outside the request (another process, or a Celery worker), so it gets the
session id and parameters, opens its own store handle, and never receives a DataFrame.
"""

from __future__ import annotations

from collections.abc import Callable

from dash import Dash, Input, Output

from analytics.forecast import ForecastError
from components import ids
from components.figures import empty_figure
from components.forecast import forecast_figure, forecast_info
from config import Settings
from services.forecasts import ForecastParams, compute_forecast
from services.store import store_from_settings


def run_forecast(
    settings: Settings,
    set_progress: Callable[[tuple], None],
    session_id: str | None,
    metric: str | None,
    freq: str | None,
    horizon: object,
    model: str | None,
) -> tuple:
    """Compute (or fetch) the forecast and render it; reports progress as it goes."""
    try:
        params = ForecastParams.parse(metric, horizon, model, freq)
    except ForecastError as error:
        return empty_figure(str(error)), [str(error)]
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
    )
    if result is None:
        message = "This session has expired. Upload the file again."
        return empty_figure(message), [message]
    meta = store.get_meta(session_id or "") or {}
    currency = meta.get("currency") or "$"
    return forecast_figure(result, currency), forecast_info(result)


def register(app: Dash, settings: Settings) -> None:
    def forecast_job(set_progress, session_id, metric, freq, horizon, model):
        return run_forecast(
            settings, set_progress, session_id, metric, freq, horizon, model
        )

    app.callback(
        Output(ids.FORECAST_GRAPH, "figure"),
        Output(ids.FORECAST_INFO, "children"),
        Input(ids.SESSION_ID, "data"),
        Input(ids.FORECAST_METRIC, "value"),
        Input(ids.FORECAST_FREQ, "value"),
        Input(ids.FORECAST_HORIZON, "value"),
        Input(ids.FORECAST_MODEL, "value"),
        background=True,
        progress=[
            Output(ids.FORECAST_PROGRESS, "value"),
            Output(ids.FORECAST_PROGRESS, "label"),
        ],
        running=[
            (Output(ids.FORECAST_CANCEL, "disabled"), False, True),
            (
                Output(ids.FORECAST_PROGRESS, "className"),
                "mb-2 forecast-progress",
                "mb-2 forecast-progress d-none",
            ),
        ],
        cancel=[Input(ids.FORECAST_CANCEL, "n_clicks")],
    )(forecast_job)
