"""Event models by version."""
