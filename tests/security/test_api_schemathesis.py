"""Schemathesis over every operation of the served OpenAPI document, with four credentials.

Bounded for ``make test`` (25 positive + 25 negative examples per operation with the credential
it takes, 5 + 5 with each other credential; derandomized); ``make fuzz`` runs the same with 500
examples (tests/fuzz/test_api_schemathesis_long.py).
"""

from __future__ import annotations

import pytest

from tests.security import apifuzz

pytestmark = pytest.mark.django_db

OPERATIONS = apifuzz.ninja_operations()
MAX_EXAMPLES = 25
#: Credentials the operation does not take are answered before any parsing; a few cases suffice.
MISMATCHED_EXAMPLES = 5


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda o: o.label)
def test_operation(op, world, wsgi_app):
    apifuzz.fuzz_all_credentials(wsgi_app, op, world, MAX_EXAMPLES, MISMATCHED_EXAMPLES)


def test_served_document_covers_every_routed_operation(wsgi_app):
    """A new endpoint cannot escape the fuzzing: the document and the router agree, all are classified."""
    document = apifuzz.load_schema(wsgi_app).raw_schema
    routed = {(o.method, o.path) for o in OPERATIONS}
    assert apifuzz.document_operations(document) == routed
    assert {o.auth for o in OPERATIONS} <= {"public", "company", "partner"}, OPERATIONS
