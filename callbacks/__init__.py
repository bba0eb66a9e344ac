"""Dash callbacks, attached to one app instance by ``register_callbacks``."""

from __future__ import annotations

from dash import Dash

from callbacks import (
    assistant,
    changes,
    customers,
    dashboard,
    files,
    forecast,
    mapping,
    report,
    routing,
    share,
    sku,
)
from config import Settings


def register_callbacks(app: Dash, settings: Settings) -> None:
    """Attach every callback of the product to ``app``."""
    routing.register(app)
    dashboard.register(app)
    customers.register(app)
    changes.register(app)
    sku.register(app)
    mapping.register(app)
    files.register(app)
    forecast.register(app, settings)
    assistant.register(app, settings)
    report.register(app)
    share.register(app)
