"""The schemathesis run of tests/security/test_api_schemathesis.py with the "long" profile (1,000
examples per operation and credential it takes, 50 with each other credential)."""

from __future__ import annotations

import pytest

from tests.security import apifuzz

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]


@pytest.mark.parametrize("op", apifuzz.ninja_operations(), ids=lambda o: o.label)
def test_operation_long(op, world, wsgi_app):
    apifuzz.fuzz_all_credentials(wsgi_app, op, world, max_examples=None, mismatched_examples=50)
