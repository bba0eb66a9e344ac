"""Test doubles for external services (a local fake of the Ollama HTTP API)."""
