"""Errors a practice understands, each with its own exit code.

Every failure the connector expects is a :class:`ConnectorError` carrying one sentence in
German and English (written once, in German, and translated through the catalogue — see
:mod:`.i18n`) and a distinct :class:`ExitCode`, so that practice software calling the CLI can
tell "portal unreachable" from "token revoked" without parsing text. The CLI prints these in
the reader's language and never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from .i18n import DEFAULT_LANGUAGE, Text, in_language, text, translate


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

    @classmethod
    def of(cls, code: str, msgid: str, /, **params: Any) -> Message:
        """The sentence ``msgid`` (German, with ``{parameters}``) in both languages."""
        sentence = text(msgid, **params)
        return cls(code, sentence.de, sentence.en)

    def in_language(self, language: str) -> str:
        return self.en if language == "en" else self.de

    def __str__(self) -> str:
        return self.de


#: A detail line of an error: the connector's own sentence (a :class:`~.i18n.Text`, German
#: with its English), or a plain string (the portal's words, an exception's text) printed as is.
Detail = str


class ConnectorError(Exception):
    """Base of all expected failures; ``de``/``en`` are the same complete sentence.

    Raise it with a :func:`~.i18n.text` (``ConfigError(text("… {path} …", path=p))``); the
    older form with two strings, German then English, still works for sentences that arrive
    translated (the portal's ``message`` and ``message_en``).
    """

    exit_code: ExitCode = ExitCode.UNEXPECTED

    def __init__(
        self, de: str | Text, en: str | None = None, *, details: Sequence[Detail] | None = None
    ) -> None:
        message = de if isinstance(de, Text) else Text(de, de if en is None else en)
        super().__init__(message.en)
        self.message = message
        self.de = message.de
        self.en = message.en
        self.details: list[Detail] = list(details or [])

    def lines(self, language: str = DEFAULT_LANGUAGE) -> list[str]:
        """The message as printed in ``language``: the sentence, then one line per detail."""
        return [
            translate("Fehler: {message}", language, message=self.message),
            *(f"  {in_language(d, language)}" for d in self.details),
        ]

    def as_dict(self) -> dict[str, Any]:
        """The error for ``--json``, unchanged by the language: the sentence in German and in
        English, each detail as it has always been written there (both languages in one)."""
        return {
            "error": type(self).__name__,
            "exit_code": int(self.exit_code),
            "de": self.de,
            "en": self.en,
            "details": [d.both if isinstance(d, Text) else d for d in self.details],
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

    def __init__(
        self,
        de: str | Text,
        en: str | None = None,
        *,
        check: Any = None,
        details: Sequence[Detail] | None = None,
    ):
        super().__init__(de, en, details=details)
        self.check = check


class FirmNotRouted(ConnectorError):
    exit_code = ExitCode.FIRM_NOT_ROUTED

    def __init__(
        self,
        de: str | Text,
        en: str | None = None,
        *,
        route: Any = None,
        details: Sequence[Detail] | None = None,
    ):
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

    def __init__(
        self, code: str, de: str, en: str, *, details: Sequence[Detail] | None = None
    ) -> None:
        super().__init__(de, en, details=details)
        self.code = code

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "code": self.code}


@dataclass
class FieldError:
    field: str
    message: str
    message_en: str = ""  # where the portal says it in English too

    def as_text(self) -> Text:
        where = f"{self.field}: " if self.field else ""
        return Text(where + self.message, where + (self.message_en or self.message))


@dataclass
class Problem:
    """An RFC 9457 problem document as far as the connector needs it."""

    status: int
    title: str = ""
    detail: str = ""
    type: str = ""
    field_errors: list[FieldError] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> Text:
        """What the portal said, in its words: its ``message`` (German) and ``message_en`` where
        it sends them, else ``title: detail`` (which the portal writes in English only)."""
        message, message_en = self.raw.get("message"), self.raw.get("message_en")
        if isinstance(message, str) and message:
            return Text(
                message, message_en if isinstance(message_en, str) and message_en else message
            )
        title = self.title or f"HTTP {self.status}"
        said = f"{title}: {self.detail}" if self.detail else title
        return Text(said, said)


class PortalProblem(ConnectorError):
    """The portal refused a request with a 4xx (problem+json where it sent one)."""

    exit_code = ExitCode.PORTAL_PROBLEM

    def __init__(self, problem: Problem) -> None:
        super().__init__(
            text(
                "Das Portal hat die Anfrage abgelehnt (HTTP {status}) – {reason}",
                status=problem.status,
                reason=problem.reason,
            ),
            details=[fe.as_text() for fe in problem.field_errors],
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
        out.append(FieldError(str(name), str(message), str(item.get("message_en") or "")))
    return out
