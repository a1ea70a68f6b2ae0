"""Dashboard panels contributed by later domain areas (orders, carts, deliveries)."""

from __future__ import annotations


def dashboard_context(company) -> dict:
    return {}
