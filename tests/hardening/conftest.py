"""Fixtures the hardening tests borrow from the delivery tests."""

from tests.delivery.conftest import queued_order, recorder  # noqa: F401 - fixtures
