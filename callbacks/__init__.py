"""Dash callbacks, attached to one app instance by ``register_callbacks``."""

from __future__ import annotations

from dash import Dash

from callbacks import (
    assistant,
    changes,
    customers,
    dashboard,
    files,
    filters,
    forecast,
    mapping,
    report,
    routing,
    share,
    sku,
    sku_table,
)
from config import Settings


def register_callbacks(app: Dash, settings: Settings) -> None:
    """Attach every callback of the product to ``app``."""
    routing.register(app)
    filters.register(app)
    dashboard.register(app)
    sku_table.register(app)
    customers.register(app)
    changes.register(app)
    sku.register(app)
    mapping.register(app)
    files.register(app)
    forecast.register(app, settings)
    assistant.register(app, settings)
    report.register(app)
    share.register(app)
