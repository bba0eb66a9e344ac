"""Flask-side wiring: logging, security (CSRF, rate limits, headers), JSON routes."""
