"""RFC 9457 problem details: the one shape every API error takes."""

from __future__ import annotations

from dataclasses import dataclass

PROBLEM_JSON = "application/problem+json"


@dataclass
class FieldError:
    field: str
    message: str


class Problem(Exception):
    """Raise from a service or endpoint to answer with problem+json."""

    status = 400
    title = "Bad request"
    type = "about:blank"

    def __init__(
        self,
        detail: str = "",
        *,
        status: int | None = None,
        title: str | None = None,
        errors: list[FieldError] | None = None,
        **extra,
    ):
        super().__init__(detail or title or self.title)
        self.detail = detail
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        self.errors = errors or []
        self.extra = extra

    def body(self, instance: str = "") -> dict:
        data = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            data["detail"] = self.detail
        if instance:
            data["instance"] = instance
        if self.errors:
            data["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        data.update(self.extra)
        return data


class InvalidInput(Problem):
    status = 422
    title = "Invalid input"

    def __init__(self, field: str, message: str, **extra):
        super().__init__(f"{field}: {message}", errors=[FieldError(field, message)], **extra)


class NotFound(Problem):
    status = 404
    title = "Not found"


class Conflict(Problem):
    status = 409
    title = "Conflict"


class Gone(Problem):
    status = 410
    title = "Gone"
