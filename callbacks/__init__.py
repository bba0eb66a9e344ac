"""Dash callbacks, attached to one app instance by ``register_callbacks``."""

from __future__ import annotations

from dash import Dash

from config import Settings

from callbacks import dashboard, forecast, routing, sku


def register_callbacks(app: Dash, settings: Settings) -> None:
    """Attach every callback of the product to ``app``."""
    routing.register(app)
    dashboard.register(app)
    sku.register(app)
    forecast.register(app, settings)
