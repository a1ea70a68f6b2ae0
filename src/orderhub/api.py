"""The REST API (``/api/v1``): one NinjaAPI, thin routers per domain, problem+json for every error."""

from __future__ import annotations

import logging
from typing import Annotated

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja import Path as PathParam
from ninja.errors import AuthenticationError, HttpError, ValidationError

from orderhub.attachments.api import orders_router as order_attachments
from orderhub.attachments.api import router as attachments
from orderhub.catalog.api import company_router as catalog
from orderhub.catalog.api import partner_router as partner_catalogs
from orderhub.core.outage import unavailable_response
from orderhub.core.problems import PROBLEM_JSON, TYPES, Problem, problem_body, problem_json
from orderhub.delivery.api import order_documents
from orderhub.delivery.api import router as partner_documents
from orderhub.masterdata.api import router as masterdata
from orderhub.masterdata.registration_api import router as registrations
from orderhub.ordering.api import router as orders
from orderhub.partners.api import router as partners

logger = logging.getLogger("orderhub.api")


class OrderHubAPI(NinjaAPI):
    """Adds what Ninja cannot infer to the OpenAPI document: problem+json error responses per
    operation, raw request bodies of the partner uploads, and binary document downloads."""

    RAW_BODIES = {
        "/api/v1/partner/documents": ["application/xml", "application/edifact", "application/json"],
        "/api/v1/partner/catalogs": ["application/xml", "text/csv"],
    }

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = PROBLEM_SCHEMA
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, operations in schema["paths"].items():
            for method, op in operations.items():
                responses = op["responses"] = {
                    str(k): v for k, v in op.get("responses", {}).items()
                }
                needed = {
                    "400": "Bad request (e.g. malformed JSON)",
                    "503": "Database unreachable for the moment; retry after `Retry-After` seconds",
                }
                if op.get("security"):
                    needed["401"] = "Missing, unknown or revoked token"
                if op.get("parameters") or op.get("requestBody") or method in ("post", "put"):
                    needed["422"] = "Invalid input; `errors` names each field"
                if "{" in path:
                    needed["404"] = "No such resource (or not yours)"
                if method in ("post", "put"):
                    needed["409"] = "Conflict"
                    needed["413"] = "Payload too large"
                if path == "/api/v1/registrations" and method == "post":
                    needed["429"] = (
                        "Too many registrations from this address or in total; see Retry-After"
                    )
                if path.endswith("/token"):
                    needed["403"] = "poll_token does not belong to this registration"
                    needed["410"] = "Expired, or the token was already handed out"
                if path.startswith("/api/v1/partner/"):
                    needed["403"] = "The order belongs to another partner"
                    needed["415"] = "Unsupported media type"
                for status, description in needed.items():
                    responses.setdefault(status, {"description": description, "content": problem})
                for status, response in responses.items():
                    if status.startswith("2") and not response.get("content"):
                        binary = {"schema": {"type": "string", "format": "binary"}}
                        response["content"] = {media: binary for media in DOCUMENT_MEDIA_TYPES}
            if path in self.RAW_BODIES and "post" in operations:
                operations["post"]["requestBody"] = {
                    "required": True,
                    "content": {
                        media: {"schema": {"type": "string", "format": "binary"}}
                        for media in self.RAW_BODIES[path]
                    },
                }
        return schema


#: What a stored partner document can be (the download answers with the document's own type).
DOCUMENT_MEDIA_TYPES = [
    "application/xml",
    "application/edifact",
    "application/json",
    "application/pdf",
    "application/octet-stream",
    "text/plain",
    "text/csv",
]

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string", "description": "English technical text"},
                    "code": {
                        "type": "string",
                        "description": "What went wrong, as a code (present when known)",
                    },
                    "params": {
                        "type": "object",
                        "description": "The code's parameters (present with code)",
                    },
                },
            },
        },
    },
}

api = OrderHubAPI(
    title="OrderHub API",
    version="1",
    description="Universal ordering portal for hearing-acoustics practices (see SPEC §4).",
    urls_namespace="api",
)


def problem_response(
    request: HttpRequest, kind: str | int, detail: str = "", **extra
) -> HttpResponse:
    body = problem_body(kind, detail, instance=request.path, **extra)
    return HttpResponse(problem_json(body), status=body["status"], content_type=PROBLEM_JSON)


def _field_path(loc) -> str:
    """('body', 'payload', 'users', 3, 'email') → 'users[3].email'."""
    parts = list(loc)
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        source = parts.pop(0)
        if source == "body" and len(parts) > 1:
            parts.pop(0)  # the endpoint's parameter name
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out or "body"


@api.exception_handler(Problem)
def on_problem(request, exc: Problem):
    response = HttpResponse(
        problem_json(exc.body(request.path)), status=exc.status, content_type=PROBLEM_JSON
    )
    if "retry_after" in exc.extra:
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = []
    for err in exc.errors:
        message = err.get("msg", "invalid")
        if err.get("type") == "extra_forbidden":
            message = "unknown field (not part of the contract; refused for data minimisation)"
        errors.append({"field": _field_path(err.get("loc", ())), "message": message})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem_response(request, "invalid-input", detail, errors=errors)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    response = problem_response(
        request,
        "unauthorized",
        "A valid bearer token is required (Authorization: Bearer <token>); it may have been revoked.",
    )
    response["WWW-Authenticate"] = 'Bearer realm="orderhub"'
    return response


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    detail = str(exc)
    if exc.status_code == 400 and exc.__cause__ is not None:
        detail = f"malformed JSON: {exc.__cause__}"
    return problem_response(request, exc.status_code, detail)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return problem_response(
        request, "payload-too-large", str(exc) or "request body exceeds the size limit"
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return problem_response(request, "not-found", str(exc) or "no such resource")


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request, exc):
    return unavailable_response(request, exc)


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    logger.exception("unhandled API error on %s", request.path)
    return problem_response(
        request, "internal-error", "The error was logged; please try again later."
    )


class ProblemTypeOut(Schema):
    type: str
    status: int
    title: str
    description: str


def _type_out(t) -> dict:
    return {"type": t.uri, "status": t.status, "title": t.title, "description": t.description}


@api.get(
    "/problems",
    response=list[ProblemTypeOut],
    tags=["problems"],
    summary="Every problem type an error answer's `type` can name",
)
def list_problem_types(request):
    return [_type_out(t) for t in TYPES.values()]


@api.get(
    "/problems/{slug}",
    response=ProblemTypeOut,
    tags=["problems"],
    summary="What one problem type means (the URI in an error answer's `type`)",
)
def get_problem_type(request, slug: Annotated[str, PathParam(pattern="^[a-z][a-z-]{0,40}$")]):
    t = TYPES.get(slug)
    if t is None:
        raise Http404("no such problem type")
    return _type_out(t)


def _register_routers() -> None:
    api.add_router("/registrations", registrations)
    api.add_router("/masterdata", masterdata)
    api.add_router("/", partners)
    api.add_router("/catalog", catalog)
    api.add_router("/partner", partner_catalogs)
    api.add_router("/partner", partner_documents)
    api.add_router("/orders", orders)
    api.add_router("/orders", order_documents)
    api.add_router("/attachments", attachments)
    api.add_router("/orders", order_attachments)


_register_routers()
