"""Notifications: the personal-accounts company (F1/F2, U1–U4) and the real SMTP server of
tests/accounts."""

from tests.accounts.conftest import mailbox, people  # noqa: F401 - fixtures
