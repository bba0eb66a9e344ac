"""Dash callbacks, attached to one app instance by ``register_callbacks``."""

from __future__ import annotations

from dash import Dash

from callbacks import dashboard, routing


def register_callbacks(app: Dash) -> None:
    """Attach every callback of the product to ``app``."""
    routing.register(app)
    dashboard.register(app)
