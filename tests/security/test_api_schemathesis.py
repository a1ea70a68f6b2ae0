"""Schemathesis over every operation of the served OpenAPI document, with four credentials.

Bounded for ``make test`` (25 positive + 25 negative examples per operation and credential,
derandomized); ``make fuzz`` runs the same with 500 (tests/fuzz).
"""

from __future__ import annotations

import pytest

from tests.security import apifuzz

pytestmark = pytest.mark.django_db

OPERATIONS = apifuzz.ninja_operations()
MAX_EXAMPLES = 25
#: Credentials the operation does not accept answer 401 before any parsing; a few cases suffice.
MISMATCHED_EXAMPLES = 5


def _tokens(world):
    return {"company": world.a.token, "partner": world.partner_tokens["sonora"]}


@pytest.mark.parametrize("credential", apifuzz.CREDENTIALS)
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda o: o.label)
def test_operation(op, credential, world, wsgi_app):
    matching = credential == op.auth or (op.auth == "public" and credential == "none")
    seen = apifuzz.run_operation(
        wsgi_app, op, credential, _tokens(world),
        apifuzz.real_path_parameters(op, world) if credential == op.auth else [],
        max_examples=MAX_EXAMPLES if matching else MISMATCHED_EXAMPLES)
    assert seen, "no request was made"


def test_served_document_covers_every_routed_operation(wsgi_app):
    """A new endpoint cannot escape the fuzzing: the document and the router agree, all are classified."""
    document = apifuzz.load_schema(wsgi_app).raw_schema
    routed = {(o.method, o.path) for o in OPERATIONS}
    assert apifuzz.document_operations(document) == routed
    assert {o.auth for o in OPERATIONS} <= {"public", "company", "partner"}, OPERATIONS
