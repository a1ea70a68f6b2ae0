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

``status_code_conformance`` joins the list for an operation as soon as the document declares any 4xx
for it. Today it declares none at all (no 401/404/409/410/413/415/422), so the check would fail on
every error answer and hide everything else; ``test_openapi_declares_error_responses`` states that
gap as its own failing test.
"""

from __future__ import annotations

import functools
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
    from orderhub.authentication import CompanyTokenAuth, PartnerTokenAuth

    found = []
    for bound in api._get_bound_routers():  # routers as mounted, with inherited auth applied
        for route, path_view in bound.path_operations.items():
            full = "/".join(p.strip("/") for p in (API_PREFIX, bound.prefix, route) if p.strip("/"))
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
                    found.append(
                        Operation(method.upper(), full.replace("<", "{").replace(">", "}"), auth)
                    )
    return sorted(found, key=lambda o: (o.path, o.method))


def document_operations(document: dict) -> set[tuple[str, str]]:
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    return {
        (m.upper(), path) for path, item in document["paths"].items() for m in item if m in methods
    }


def load_schema(app):
    """The document as the application serves it (fetched through the WSGI handler)."""
    import schemathesis

    return schemathesis.openapi.from_wsgi(SCHEMA_URL, app)


def _checks():
    from schemathesis.checks import not_a_server_error
    from schemathesis.core.parameters import ParameterLocation
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
    )

    enforced = {ParameterLocation.BODY, ParameterLocation.PATH}

    def body_or_path_negative_data_rejection(ctx, response, case):
        """``negative_data_rejection`` where the invalid part is the body or the path.

        Query and header mutations are left out: a repeated query parameter (``?status=a&status=``)
        is read as its last value by Django, and the Authorization header the run sends itself
        undoes schemathesis' "missing Authorization" mutation; neither is a validation gap.
        """
        meta = case.meta
        if meta is None or not meta.generation.mode.is_negative:
            return None
        negative = {loc for loc, info in meta.components.items() if info.mode.is_negative}
        if not negative or not negative <= enforced:
            return None
        return negative_data_rejection(ctx, response, case)

    return [
        not_a_server_error,
        response_schema_conformance,
        content_type_conformance,
        body_or_path_negative_data_rejection,
    ]


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
        assert content_type.startswith(PROBLEM_JSON), (
            f"error is not problem+json ({content_type}): {where}"
        )
        body = json.loads(response.content)
        assert (
            body.get("status") == status and isinstance(body.get("title"), str) and body["title"]
        ), where
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


def run_operation(
    app,
    op: Operation,
    credential: str,
    tokens: dict[str, str],
    real_path_parameters: list[dict],
    *,
    max_examples: int | None,
    semantic=None,
) -> dict[int, int]:
    """Fuzz one operation with one credential, positive then negative cases; returns status counts."""
    from schemathesis.generation.modes import GenerationMode

    schema = load_schema(app)
    operation = schema[op.path][op.method]
    headers = credentials_headers(credential, tokens)
    checks = _checks()
    if any(str(code).startswith("4") for code in operation.responses.status_codes):
        # Once the document declares error responses, undeclared status codes are failures too.
        from schemathesis.specs.openapi.checks import status_code_conformance

        checks.append(status_code_conformance)
    seen: dict[int, int] = {}

    base = dict(
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    if max_examples is not None:
        # Bounded run (make test): the same cases every time.
        base.update(max_examples=max_examples, derandomize=True, database=None, print_blob=False)
    # else: the active hypothesis profile decides (make fuzz: "long", 500 examples, random).

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies = [operation.as_strategy(mode)]
        if mode is GenerationMode.POSITIVE:
            # Real ids reach the code behind the 404 (detail rendering, cancellation, documents...).
            strategies += [
                operation.as_strategy(mode, path_parameters=p) for p in real_path_parameters
            ]
            if semantic is not None:
                strategies += semantic(op, operation)

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
            if (
                mode is GenerationMode.POSITIVE
                or operation.body
                or list(operation.iter_parameters())
            ):
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
    if "{slug}" in op.path:  # problem types: a real one and an unknown one
        return [{"slug": "invalid-input"}, {"slug": "no-such-type"}]
    return []


def fuzz_all_credentials(
    app, op: Operation, world, max_examples: int | None, mismatched_examples: int | None
):
    """Run every credential against ``op``; report all credentials that failed, not just the first."""
    tokens = {"company": world.a.token, "partner": world.partner_tokens["sonora"]}
    semantic = functools.partial(semantic_strategies, vocabulary=Vocabulary.of(world))
    failures = []
    for credential in CREDENTIALS:
        matching = credential == op.auth or (op.auth == "public" and credential == "none")
        try:
            run_operation(
                app,
                op,
                credential,
                tokens,
                real_path_parameters(op, world) if matching else [],
                max_examples=max_examples if matching else mismatched_examples,
                semantic=semantic if matching else None,
            )
        except Exception as exc:
            failures.append((credential, exc))
    if len(failures) == 1:
        raise failures[0][1]
    if failures:
        raise ExceptionGroup(
            f"{op.label}: failures with credentials {[c for c, _ in failures]}",
            [e for _, e in failures],
        )


# --- Semantic cases: valid-looking payloads that reach identification, intake and sync -------------


@dataclass(frozen=True)
class Vocabulary:
    """Real identifiers of the world, so generated payloads hit existing records half of the time."""

    partners: tuple[str, ...]
    branch_ids: tuple[str, ...]
    user_ids: tuple[str, ...]
    article_numbers: tuple[str, ...]
    gtins: tuple[str, ...]
    hmv_numbers: tuple[str, ...]
    descriptions: tuple[str, ...]

    @classmethod
    def of(cls, world) -> Vocabulary:
        from orderhub.catalog.models import Article

        rows = list(
            Article.objects.filter(partner__slug="sonora")
            .order_by("pk")
            .values_list("partner_article_number", "gtin", "hmv_number", "short_description")[:40]
        )
        return cls(
            partners=("sonora", "audiotec", "otoplast"),
            branch_ids=("F1", "F2"),
            user_ids=("U1", "U2"),
            article_numbers=tuple(r[0] for r in rows),
            gtins=tuple(r[1] for r in rows if r[1]),
            hmv_numbers=tuple(r[2] for r in rows if r[2]),
            descriptions=tuple(r[3] for r in rows),
        )


def _text(max_size=40):
    # Any code point, NUL and lone surrogates excluded by JSON itself but control characters included.
    return st.text(max_size=max_size)


def _one_of_or_text(values, max_size=40):
    return st.one_of(st.sampled_from(values), _text(max_size)) if values else _text(max_size)


def order_bodies(v: Vocabulary):
    line = st.fixed_dictionaries(
        {
            "quantity": st.one_of(
                st.integers(1, 100),
                st.decimals(
                    min_value="0.001",
                    max_value="100000",
                    places=3,
                    allow_nan=False,
                    allow_infinity=False,
                ).map(str),
            ),
            "partner_article_number": st.one_of(st.none(), _one_of_or_text(v.article_numbers, 100)),
            "gtin": st.one_of(
                st.none(), _one_of_or_text(v.gtins, 20), st.from_regex(r"\A[0-9]{8,14}\Z")
            ),
            "hmv_number": st.one_of(st.none(), _one_of_or_text(v.hmv_numbers, 20)),
            "description": st.one_of(_one_of_or_text(v.descriptions, 300), st.just("")),
            "attributes": st.dictionaries(
                st.sampled_from(["side", "color", "length", "power", "x"]), _text(20), max_size=4
            ),
        },
        optional={
            "unit": st.sampled_from(["C62", "PK", "PR", "XYZ"]),
            "manufacturer_article_number": st.one_of(st.none(), _text(100)),
        },
    )
    return st.fixed_dictionaries(
        {
            "external_order_id": st.text(min_size=1, max_size=64).filter(str.strip),
            "partner": _one_of_or_text(v.partners, 50).filter(str.strip),
            "branch_id": _one_of_or_text(v.branch_ids, 64).filter(str.strip),
            "ordered_by": _one_of_or_text(v.user_ids, 64).filter(str.strip),
            "customer_number": st.one_of(st.none(), _text(64)),
            "reference": _text(200),
            "note": _text(200),
            "lines": st.lists(line, min_size=1, max_size=6).map(
                lambda ls: [{"position": i, **l} for i, l in enumerate(ls, 1)]
            ),
        }
    )


def masterdata_bodies(v: Vocabulary):
    ids = st.sampled_from(["F1", "F2", "F3", "F-\u00e4", "x" * 64])
    branch = st.fixed_dictionaries(
        {"id": ids, "name": st.text(min_size=1, max_size=200).filter(str.strip)},
        optional={
            "street": _text(200),
            "postal_code": _text(20),
            "city": _text(100),
            "country": st.sampled_from(["DE", "AT", "CH", "de", "ÄÖ"]),
        },
    )
    user = st.fixed_dictionaries(
        {
            "id": st.sampled_from(["U1", "U2", "U3", "U-\u00df"]),
            "name": st.text(min_size=1, max_size=200).filter(str.strip),
        },
        optional={
            "email": st.one_of(st.none(), st.emails(), _text(40)),
            "phone": st.one_of(st.none(), _text(50)),
            "branch_ids": st.lists(ids, max_size=3),
            "is_admin": st.booleans(),
        },
    )
    number = st.fixed_dictionaries(
        {
            "partner": _one_of_or_text(v.partners, 50).filter(str.strip),
            "customer_number": st.text(min_size=1, max_size=64).filter(str.strip),
        },
        optional={"branch_id": st.one_of(st.none(), ids)},
    )
    return st.fixed_dictionaries(
        {
            "company": st.fixed_dictionaries(
                {"name": st.text(min_size=1, max_size=200).filter(str.strip)}
            ),
            "branches": st.lists(branch, max_size=4, unique_by=lambda b: b["id"]),
            "users": st.lists(user, max_size=4, unique_by=lambda u: u["id"]),
            "customer_numbers": st.lists(number, max_size=3),
        }
    )


def semantic_strategies(op: Operation, operation, *, vocabulary: Vocabulary) -> list:
    v = vocabulary
    json_case = functools.partial(operation.Case, media_type="application/json")
    if op.label == "POST /api/v1/orders":
        return [
            st.builds(
                lambda body, key: json_case(body=body, headers={"Idempotency-Key": key}),
                order_bodies(v),
                st.text(min_size=1, max_size=40)
                .filter(str.strip)
                .filter(lambda k: k.isprintable() and k.isascii()),
            )
        ]
    if op.label in ("PUT /api/v1/masterdata", "POST /api/v1/registrations"):
        return [st.builds(lambda body: json_case(body=body), masterdata_bodies(v))]
    if op.label == "GET /api/v1/catalog/search":
        return [
            st.builds(
                lambda p, q: operation.Case(query={"partner": p, "q": q}),
                _one_of_or_text(v.partners),
                st.one_of(
                    _one_of_or_text(v.article_numbers),
                    _one_of_or_text(v.descriptions, 200),
                    _one_of_or_text(v.gtins),
                ),
            )
        ]
    return []
