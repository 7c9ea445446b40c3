"""Alerts raised by the scheduled checks: stored idempotently, grouped, acknowledged, resolved."""
