"""RFC 9457 problem details: the one shape and the one vocabulary of every API error.

Every problem answer's ``type`` is one of :data:`TYPES`, a URI under ``/api/v1/problems/``
that answers with what the type means (``GET /api/v1/problems`` lists them all): a client tells
problems apart by ``type``, never by parsing ``title`` or ``detail``. :func:`problem_body` builds
the body for all who answer with one — the API's exception handlers, the middleware that answers
unrouted API paths, the outage answer — and :class:`Problem` is what services raise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "/api/v1/problems/"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str
    description: str

    @property
    def uri(self) -> str:
        return TYPE_BASE + self.slug


TYPES: dict[str, ProblemType] = {
    t.slug: t
    for t in (
        ProblemType("bad-request", 400, "Bad request", "The request could not be read."),
        ProblemType(
            "malformed-document",
            400,
            "Malformed document",
            "A partner document (openTRANS, EDIFACT, JSON) could not be read or carries values "
            "the order cannot take; `field` or `line` says where. Nothing of it was applied.",
        ),
        ProblemType("unauthorized", 401, "Unauthorized", "A valid bearer token is required."),
        ProblemType("forbidden", 403, "Forbidden", "This credential may not do this."),
        ProblemType("not-found", 404, "Not found", "No such resource for this credential."),
        ProblemType("method-not-allowed", 405, "Method not allowed", "See the Allow header."),
        ProblemType("conflict", 409, "Conflict", "The resource's state does not allow this."),
        ProblemType(
            "cart-closed",
            409,
            "Cart closed",
            "The cart was completed, cancelled or has expired and can no longer be changed.",
        ),
        ProblemType("gone", 410, "Gone", "The resource existed and has been removed."),
        ProblemType(
            "payload-too-large", 413, "Payload too large", "The body exceeds the size limit."
        ),
        ProblemType(
            "unsupported-media-type",
            415,
            "Unsupported media type",
            "Send one of the content types the operation declares.",
        ),
        ProblemType(
            "invalid-input",
            422,
            "Invalid input",
            "One or more values are not acceptable; `errors` names each field.",
        ),
        ProblemType(
            "channel-cannot-carry",
            422,
            "Invalid input",
            "The partner's channel cannot carry a value of the order (length, line break); "
            "`errors` names the field. Nothing was stored.",
        ),
        ProblemType(
            "cart-incomplete",
            422,
            "Cart incomplete",
            "The cart still has open points (article, customer number) to settle.",
        ),
        ProblemType(
            "too-many-requests", 429, "Too many requests", "Retry after Retry-After seconds."
        ),
        ProblemType(
            "internal-error", 500, "Internal server error", "Logged; please try again later."
        ),
        ProblemType(
            "service-unavailable",
            503,
            "Service unavailable",
            "The database is unreachable; nothing was changed. Retry after Retry-After seconds.",
        ),
    )
}
_BY_STATUS: dict[int, ProblemType] = {}
for _t in TYPES.values():
    _BY_STATUS.setdefault(_t.status, _t)


def problem_type(status: int) -> ProblemType:
    """The general type of a status (the first of :data:`TYPES` with it; 400 or 500 otherwise)."""
    return _BY_STATUS.get(status) or _BY_STATUS[500 if status >= 500 else 400]


def problem_body(
    kind: ProblemType | str | int,
    detail: str = "",
    *,
    instance: str = "",
    title: str | None = None,
    **extra,
) -> dict:
    """The problem+json body: a type of :data:`TYPES` (by slug, or by status), its status and title."""
    if isinstance(kind, str):
        kind = TYPES[kind]
    elif isinstance(kind, int):
        kind = problem_type(kind)
    data: dict = {"type": kind.uri, "title": title or kind.title, "status": kind.status}
    if detail:
        data["detail"] = detail
    if instance:
        data["instance"] = instance
    data.update(extra)
    return data


def problem_json(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False, default=str)


@dataclass
class FieldError:
    """One field's problem: ``message`` is English technical text (for machines and logs);
    ``code`` with ``params`` says the same as data, for a person's language (issue 15: the portal
    renders the code, never ``message``). ``code`` is "" where only ``message`` says it."""

    field: str
    message: str
    code: str = ""
    params: dict[str, Any] | None = None

    def item(self) -> dict[str, Any]:
        """The API body's ``errors`` item: ``code`` and ``params`` only when there is a code."""
        data: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.code:
            data["code"] = self.code
            data["params"] = dict(self.params or {})
        return data


class Problem(Exception):
    """Raise from a service or endpoint to answer with problem+json."""

    kind = "bad-request"  # a slug of TYPES; subclasses name their own

    def __init__(
        self,
        detail: str = "",
        *,
        kind: str | None = None,
        status: int | None = None,
        errors: list[FieldError] | None = None,
        **extra,
    ):
        if kind is not None:
            self.kind = kind
        elif status is not None and TYPES[self.kind].status != status:
            self.kind = problem_type(status).slug
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra

    @property
    def status(self) -> int:
        return TYPES[self.kind].status

    @property
    def title(self) -> str:
        return TYPES[self.kind].title

    def body(self, instance: str = "") -> dict:
        extra = dict(self.extra)
        if self.errors:
            extra["errors"] = [e.item() for e in self.errors]
        return problem_body(TYPES[self.kind], self.detail, instance=instance, **extra)


class InvalidInput(Problem):
    kind = "invalid-input"

    def __init__(
        self,
        field: str,
        message: str,
        *,
        code: str = "",
        params: dict[str, Any] | None = None,
        **extra,
    ):
        super().__init__(
            f"{field}: {message}", errors=[FieldError(field, message, code, params)], **extra
        )


class NotFound(Problem):
    kind = "not-found"


class Conflict(Problem):
    kind = "conflict"


class Gone(Problem):
    kind = "gone"
