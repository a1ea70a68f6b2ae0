"""HTTP to the portal: one place that turns transport failures and error answers into
:mod:`errors` the practice understands, and retries what is safe to retry.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from . import __version__
from .errors import (
    NotRegistered,
    PortalProblem,
    PortalServerError,
    PortalUnreachable,
    TokenInvalid,
    parse_problem,
)
from .i18n import Text, text

USER_AGENT = f"orderhub-connector/{__version__}"


class PortalClient:
    """Thin wrapper over :class:`httpx.Client` bound to one portal URL.

    ``retry=True`` is passed only for requests that are safe to repeat: reads, the full
    master-data snapshot, and order submissions (made safe by their ``Idempotency-Key``).
    """

    def __init__(
        self,
        portal_url: str,
        *,
        token: Callable[[], str | None],
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
        retries: int = 3,
        retry_backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        language: str | None = None,
    ) -> None:
        self.portal_url = portal_url.rstrip("/")
        #: Sent as ``Accept-Language``: the portal writes its sentences (``detail``, field errors)
        #: in the person's language where it has them.
        self.language = language
        self._token = token
        self._owns_client = client is None
        self.http = client or httpx.Client(
            transport=transport, timeout=timeout, headers={"User-Agent": USER_AGENT}
        )
        self.retries = max(0, retries)
        self.retry_backoff = retry_backoff
        self.sleep = sleep

    def close(self) -> None:
        if self._owns_client:
            self.http.close()

    def url(self, path: str) -> str:
        return f"{self.portal_url}/{path.lstrip('/')}"

    def auth_headers(self) -> dict[str, str]:
        token = self._token()
        if not token:
            raise NotRegistered(
                text(
                    "Diese Installation ist noch nicht registriert (kein API-Token). Bitte zuerst "
                    "„orderhub-connector register“ ausführen."
                )
            )
        return {"Authorization": f"Bearer {token}"}

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        files: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        retry: bool = False,
        expect: Iterable[int] = (200, 201),
        on_retry: Callable[[int], None] | None = None,
    ) -> httpx.Response:
        """Send and return the response if its status is in ``expect``; raise otherwise.

        ``on_retry(next_attempt)`` is called before each repeat (for progress output).
        """
        expected = set(expect)
        all_headers = {"Accept": "application/json, application/problem+json"}
        if self.language:
            all_headers["Accept-Language"] = self.language
        if auth:
            all_headers.update(self.auth_headers())
        all_headers.update(headers or {})
        attempts = 1 + (self.retries if retry else 0)
        url = self.url(path)
        for attempt in range(1, attempts + 1):
            try:
                response = self.http.request(
                    method,
                    url,
                    json=json,
                    files=files,
                    data=data,
                    params=params,
                    headers=all_headers,
                )
            except httpx.TransportError as exc:
                if attempt < attempts:
                    self._backoff(attempt, on_retry)
                    continue
                raise self._unreachable(exc, retried=attempts > 1) from None
            if response.status_code in expected:
                return response
            if response.status_code >= 500 and attempt < attempts:
                self._backoff(attempt, on_retry)
                continue
            raise self.error_for(response)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int, on_retry: Callable[[int], None] | None) -> None:
        if on_retry:
            on_retry(attempt + 1)
        self.sleep(self.retry_backoff * (2 ** (attempt - 1)))

    def _unreachable(self, exc: Exception, *, retried: bool) -> PortalUnreachable:
        cause = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        details: list[str | Text] = [cause]
        if retried:
            details.append(text("{count} Wiederholung(en) ohne Erfolg.", count=self.retries))
        return PortalUnreachable(
            text(
                "Das OrderHub-Portal ({url}) ist nicht erreichbar. Bitte Netzwerk und portal_url "
                "prüfen und es später erneut versuchen.",
                url=self.portal_url,
            ),
            details=details,
        )

    def error_for(self, response: httpx.Response) -> Exception:
        """The :mod:`errors` exception for an unexpected answer."""
        status = response.status_code
        if status == 401:
            return TokenInvalid(
                text(
                    "Das API-Token wurde vom Portal abgelehnt (widerrufen oder ungültig). Bitte im "
                    "Dashboard ein neues Token anlegen oder „orderhub-connector register“ erneut "
                    "ausführen."
                )
            )
        body = _body(response)
        if status >= 500:
            problem = parse_problem(status, body)
            return PortalServerError(
                text(
                    "Das Portal meldet einen Serverfehler (HTTP {status}). Bitte später erneut "
                    "versuchen.",
                    status=status,
                ),
                details=[problem.reason]
                if problem.raw.get("message")
                else [t for t in (problem.title, problem.detail) if t],
            )
        return PortalProblem(parse_problem(status, body))


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def json_body(response: httpx.Response) -> Any:
    """The JSON of an expected answer; a non-JSON answer is a server-side fault."""
    try:
        return response.json()
    except ValueError:
        raise PortalServerError(
            text(
                "Das Portal hat keine JSON-Antwort geschickt (HTTP {status}).",
                status=response.status_code,
            ),
            details=[response.text[:200]],
        ) from None
