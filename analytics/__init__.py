"""Pure pandas analytics: ingestion, metrics, SKU scores, forecasts, insights."""
