"""Errors a practice understands, each with its own exit code.

Every failure the connector expects is a :class:`ConnectorError` carrying a German and an
English sentence (the UI is German first) and a distinct :class:`ExitCode`, so that practice
software calling the CLI can tell "portal unreachable" from "token revoked" without parsing
text. The CLI prints these and never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """Exit codes of ``orderhub-connector`` (documented in connector/README.md)."""

    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    CONFIG = 3
    PRACTICE_DATA = 4
    PORTAL_UNREACHABLE = 5
    NOT_REGISTERED = 6
    TOKEN_INVALID = 7
    INTERFACE_NOT_ALLOWED = 8
    FIRM_NOT_ROUTED = 9
    PORTAL_PROBLEM = 10
    REGISTRATION_FAILED = 11
    PORTAL_SERVER_ERROR = 12
    CHANGE_REFUSED = 13
    INTERRUPTED = 130


@dataclass(frozen=True)
class Message:
    """One statement in both UI languages, with a stable machine-readable code."""

    code: str
    de: str
    en: str

    def __str__(self) -> str:
        return f"{self.de} / {self.en}"


class ConnectorError(Exception):
    """Base of all expected failures; ``de``/``en`` are complete sentences."""

    exit_code: ExitCode = ExitCode.UNEXPECTED

    def __init__(self, de: str, en: str, *, details: list[str] | None = None) -> None:
        super().__init__(en)
        self.de = de
        self.en = en
        self.details = list(details or [])

    def lines(self) -> list[str]:
        """The message as printed: German line, English line, then details."""
        return [f"Fehler: {self.de}", f"Error: {self.en}", *(f"  {d}" for d in self.details)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "error": type(self).__name__,
            "exit_code": int(self.exit_code),
            "de": self.de,
            "en": self.en,
            "details": self.details,
        }


class ConfigError(ConnectorError):
    exit_code = ExitCode.CONFIG


class PracticeDataError(ConnectorError):
    exit_code = ExitCode.PRACTICE_DATA


class PortalUnreachable(ConnectorError):
    exit_code = ExitCode.PORTAL_UNREACHABLE


class NotRegistered(ConnectorError):
    exit_code = ExitCode.NOT_REGISTERED


class TokenInvalid(ConnectorError):
    exit_code = ExitCode.TOKEN_INVALID


class InterfaceNotAllowed(ConnectorError):
    exit_code = ExitCode.INTERFACE_NOT_ALLOWED

    def __init__(self, de: str, en: str, *, check: Any = None, details: list[str] | None = None):
        super().__init__(de, en, details=details)
        self.check = check


class FirmNotRouted(ConnectorError):
    exit_code = ExitCode.FIRM_NOT_ROUTED

    def __init__(self, de: str, en: str, *, route: Any = None, details: list[str] | None = None):
        super().__init__(de, en, details=details)
        self.route = route


class RegistrationFailed(ConnectorError):
    exit_code = ExitCode.REGISTRATION_FAILED


class PortalServerError(ConnectorError):
    exit_code = ExitCode.PORTAL_SERVER_ERROR


class ChangeRefused(ConnectorError):
    """The portal cannot ask the partner for this change or cancellation now (HTTP 409 with a
    ``code``: ``shipped``, ``partly_shipped``, ``line_shipped``, ``change_open``, ``not_sent`` …);
    ``de``/``en`` are the portal's own sentences."""

    exit_code = ExitCode.CHANGE_REFUSED

    def __init__(self, code: str, de: str, en: str, *, details: list[str] | None = None) -> None:
        super().__init__(de, en, details=details)
        self.code = code

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "code": self.code}


@dataclass
class FieldError:
    field: str
    message: str


@dataclass
class Problem:
    """An RFC 9457 problem document as far as the connector needs it."""

    status: int
    title: str = ""
    detail: str = ""
    type: str = ""
    field_errors: list[FieldError] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


class PortalProblem(ConnectorError):
    """The portal refused a request with a 4xx (problem+json where it sent one)."""

    exit_code = ExitCode.PORTAL_PROBLEM

    def __init__(self, problem: Problem) -> None:
        title = problem.title or f"HTTP {problem.status}"
        text = f"{title}: {problem.detail}" if problem.detail else title
        super().__init__(
            f"Das Portal hat die Anfrage abgelehnt (HTTP {problem.status}) – {text}",
            f"The portal refused the request (HTTP {problem.status}) – {text}",
            details=[f"{fe.field}: {fe.message}" for fe in problem.field_errors],
        )
        self.problem = problem

    @property
    def status(self) -> int:
        return self.problem.status


def parse_problem(status: int, body: Any) -> Problem:
    """Read a problem document leniently: portals spell field errors in several ways."""
    if not isinstance(body, dict):
        text = body if isinstance(body, str) else ""
        return Problem(status=status, detail=text.strip()[:500])
    detail = body.get("detail", "")
    problem = Problem(
        status=int(body.get("status") or status),
        title=str(body.get("title") or ""),
        detail=detail if isinstance(detail, str) else "",
        type=str(body.get("type") or ""),
        raw=body,
    )
    if isinstance(detail, list):  # django-ninja / pydantic style validation detail
        problem.field_errors.extend(_field_errors(detail))
    for key in ("errors", "invalid_params", "field_errors"):
        problem.field_errors.extend(_field_errors(body.get(key)))
    return problem


def _field_errors(value: Any) -> list[FieldError]:
    if isinstance(value, dict):
        out: list[FieldError] = []
        for name, messages in value.items():
            msgs = messages if isinstance(messages, list) else [messages]
            out.extend(FieldError(str(name), str(m)) for m in msgs)
        return out
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        if not isinstance(item, dict):
            out.append(FieldError("", str(item)))
            continue
        name = next((item[k] for k in ("field", "name", "pointer", "loc", "path") if k in item), "")
        if isinstance(name, list):
            name = ".".join(str(part) for part in name)
        message = next((item[k] for k in ("message", "msg", "reason", "detail") if k in item), "")
        out.append(FieldError(str(name), str(message)))
    return out
