"""Schemathesis against the served OpenAPI document (``/api/v1/openapi.json``), in-process over WSGI.

Shared by the bounded run in ``make test`` (tests/security/test_api_schemathesis.py) and the long
run in ``make fuzz`` (tests/fuzz/test_api_schemathesis_long.py).

Every operation is exercised with four credentials: a company token, a partner token, an invalid
token and none. Each response must

* never be a 5xx (``not_a_server_error``),
* match the schema the document declares for its status and media type
  (``response_schema_conformance``, ``content_type_conformance``),
* reject schema-violating input with a 4xx (``negative_data_rejection``, negative cases only),
* be ``application/problem+json`` with a matching ``status`` member when it is an error (SPEC §4),
* be 401 with ``WWW-Authenticate`` exactly when the operation needs a token of a kind that was not
  sent, and never 401 when the right kind was sent.

``status_code_conformance`` is deliberately not in the list: the document declares no error
responses at all (no 401/404/409/410/413/415/422), so it would fail on every error answer and hide
everything else. ``test_openapi_declares_error_responses`` states that gap as its own failing test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

API_PREFIX = "/api/v1"
SCHEMA_URL = f"{API_PREFIX}/openapi.json"
CREDENTIALS = ("company", "partner", "invalid", "none")
INVALID_TOKEN = "ohc_this-token-was-never-issued-0000000000000000"
PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # as in the OpenAPI document, e.g. /api/v1/orders/{order_id}
    auth: str  # "company" | "partner" | "public"

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def ninja_operations() -> list[Operation]:
    """Every operation the NinjaAPI object routes (included in the schema or not), with its auth."""
    from orderhub.api import api
    from orderhub.core.auth import CompanyTokenAuth, PartnerTokenAuth

    found = []
    for prefix, router in api._routers:
        for route, path_view in router.path_operations.items():
            full = "/".join(p.strip("/") for p in (API_PREFIX, prefix, route) if p.strip("/"))
            full = "/" + full
            for op in path_view.operations:
                kinds = set()
                for cb in op.auth_callbacks or []:
                    if isinstance(cb, CompanyTokenAuth):
                        kinds.add("company")
                    elif isinstance(cb, PartnerTokenAuth):
                        kinds.add("partner")
                    else:
                        kinds.add(f"unknown:{type(cb).__name__}")
                auth = "public" if not kinds else "+".join(sorted(kinds))
                for method in op.methods:
                    found.append(Operation(method.upper(), full.replace("<", "{").replace(">", "}"), auth))
    return sorted(found, key=lambda o: (o.path, o.method))


def document_operations(document: dict) -> set[tuple[str, str]]:
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    return {(m.upper(), path) for path, item in document["paths"].items() for m in item if m in methods}


def load_schema(app):
    """The document as the application serves it (fetched through the WSGI handler)."""
    import schemathesis

    return schemathesis.openapi.from_wsgi(SCHEMA_URL, app)


def _checks():
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
    )

    return [not_a_server_error, response_schema_conformance, content_type_conformance, negative_data_rejection]


def _sent_kind(authorization: str | None, tokens: dict[str, str]) -> str:
    if not authorization:
        return "none"
    for kind, token in tokens.items():
        if authorization == f"Bearer {token}":
            return kind
    return "invalid"


def assert_contract(op: Operation, response, tokens: dict[str, str]) -> None:
    """The project's own rules on top of schemathesis' checks (SPEC §4: problem+json, bearer tokens)."""
    status = response.status_code
    sent = _sent_kind(response.request.headers.get("Authorization"), tokens)
    where = f"{op.label} sent={sent} -> {status}: {response.content[:300]!r}"
    assert status < 500, where
    if status >= 400:
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.startswith(PROBLEM_JSON), f"error is not problem+json ({content_type}): {where}"
        body = json.loads(response.content)
        assert body.get("status") == status and isinstance(body.get("title"), str) and body["title"], where
    if op.auth == "public":
        assert status != 401, f"public operation asked for a token: {where}"
    elif sent == op.auth:
        assert status != 401, f"the right kind of token was refused: {where}"
    else:
        assert status == 401, f"operation answered without a valid {op.auth} token: {where}"
        assert response.headers.get("www-authenticate"), f"401 without WWW-Authenticate: {where}"


def credentials_headers(credential: str, tokens: dict[str, str]) -> dict[str, str]:
    if credential in ("company", "partner"):
        return {"Authorization": f"Bearer {tokens[credential]}"}
    if credential == "invalid":
        return {"Authorization": f"Bearer {INVALID_TOKEN}"}
    return {}


def run_operation(app, op: Operation, credential: str, tokens: dict[str, str], real_path_parameters: list[dict],
                  *, max_examples: int | None) -> dict[int, int]:
    """Fuzz one operation with one credential, positive then negative cases; returns status counts."""
    from schemathesis.generation.modes import GenerationMode

    schema = load_schema(app)
    operation = schema[op.path][op.method]
    headers = credentials_headers(credential, tokens)
    checks = _checks()
    seen: dict[int, int] = {}

    base = dict(deadline=None, database=None, derandomize=True, print_blob=False,
                suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate, Phase.shrink])
    if max_examples is not None:
        base["max_examples"] = max_examples

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies = [operation.as_strategy(mode)]
        if mode is GenerationMode.POSITIVE:
            # Real ids reach the code behind the 404 (detail rendering, cancellation, documents...).
            strategies += [operation.as_strategy(mode, path_parameters=p) for p in real_path_parameters]

        @given(case=st.one_of(*strategies))
        @settings(**base)
        def fuzz(case):
            response = case.call(headers=headers)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            case.validate_response(response, checks=checks, headers=headers)
            assert_contract(op, response, tokens)

        try:
            fuzz()
        except Unsatisfiable:
            # Nothing to negate: the operation takes no parameters and no body.
            if mode is GenerationMode.POSITIVE or operation.body or list(operation.iter_parameters()):
                raise
    return seen


def real_path_parameters(op: Operation, world) -> list[dict]:
    """Path parameters that exist (for the company / partner the run uses)."""
    a = world.a
    if "{order_id}" in op.path and "{document_id}" in op.path:
        return [{"order_id": str(a.orders["queued"].pk), "document_id": a.document.pk}]
    if "{order_id}" in op.path:
        return [{"order_id": str(o.pk)} for o in a.orders.values()]
    if "{import_id}" in op.path:
        return [{"import_id": world.sonora_import.pk}]
    if "{registration_id}" in op.path:
        return [{"registration_id": world.registration_id}]
    return []
