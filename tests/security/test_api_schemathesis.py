"""Schemathesis over every operation of the served OpenAPI document, with four credentials.

Bounded for ``make test`` (25 positive + 25 negative examples per operation with the credential
it takes, 5 + 5 with each other credential; derandomized); ``make fuzz`` runs the same with 1,000
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


# --- what the document declares (schemathesis can only check what is declared) ---------------------


def _operations(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in ("get", "put", "post", "delete", "patch"):
                yield method.upper(), path, op


def test_openapi_declares_error_responses(wsgi_app):
    """SPEC §4: errors are problem+json. The document must say so, per operation, or
    ``status_code_conformance`` cannot be enforced and clients cannot generate error handling:
    401 for token-protected operations, 422 wherever input is validated, 404 for path ids."""
    document = apifuzz.load_schema(wsgi_app).raw_schema
    missing = []
    for method, path, op in _operations(document):
        declared = op.get("responses", {})
        needed = set()
        if op.get("security"):
            needed.add("401")
        if op.get("parameters") or op.get("requestBody") or method in ("POST", "PUT"):
            needed.add("422")
        if "{" in path:
            needed.add("404")
        for status in sorted(needed):
            content = declared.get(status, {}).get("content", {})
            if "application/problem+json" not in content:
                missing.append(f"{method} {path}: {status}")
    assert missing == [], (
        "error responses not declared (as application/problem+json):\n" + "\n".join(missing)
    )


def test_openapi_declares_success_bodies(wsgi_app):
    """Response schemas and raw request bodies: without them ``response_schema_conformance`` passes
    vacuously and fuzzers (and partners) cannot know what to send."""
    document = apifuzz.load_schema(wsgi_app).raw_schema
    gaps = []
    for method, path, op in _operations(document):
        for status, response in op.get("responses", {}).items():
            if status.startswith("2") and not response.get("content"):
                gaps.append(f"{method} {path}: {status} response has no schema")
    for path in ("/api/v1/partner/documents", "/api/v1/partner/catalogs"):
        if not document["paths"].get(path, {}).get("post", {}).get("requestBody"):
            gaps.append(f"POST {path}: no requestBody (raw XML/EDIFACT/JSON/CSV) declared")
    assert gaps == [], "\n".join(gaps)
