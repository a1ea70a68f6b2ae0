"""While the database is unreachable the web answers 503 with ``Retry-After`` (issue 14, fault 8).

A lost or refused database connection (``OperationalError``, ``InterfaceError``: server down or
restarting, SQLite locked past its busy timeout) is not a bug in the request: the client should try
again shortly. API requests get problem+json, pages a short bilingual page. Integrity and data
errors stay what they are (bugs or conflicts handled elsewhere).

Three places catch it: the API's exception handler (``orderhub.api``), this middleware for page
views, and ``handler500`` for failures in other middleware (sessions, authentication).
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.views import defaults

from orderhub.core.problems import PROBLEM_JSON, problem_body, problem_json

logger = logging.getLogger(__name__)
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

PAGE = """<!doctype html><html lang="de"><head><meta charset="utf-8"><title>503</title></head><body>
<h1>Vorübergehend nicht erreichbar / Temporarily unavailable</h1>
<p>Die Datenbank ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen Sekunden erneut.</p>
<p>The database cannot be reached right now. Please try again in a few seconds.</p>
</body></html>"""


def retry_after() -> int:
    return int(getattr(settings, "RETRY_AFTER_SECONDS", 5))


def unavailable_response(request, exc: BaseException) -> HttpResponse:
    logger.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    if request.path.startswith("/api/"):
        body = problem_body(
            "service-unavailable",
            "The database is unreachable at the moment; nothing was changed by this "
            "request. Please retry after the number of seconds in Retry-After.",
            instance=request.path,
        )
        response = HttpResponse(problem_json(body), status=503, content_type=PROBLEM_JSON)
    else:
        response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(retry_after())
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return unavailable_response(request, exception)
        return None


def server_error(request, *args, **kwargs):
    """``handler500``: the exception being handled is still in ``sys.exc_info()`` here."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return unavailable_response(request, exc)
    return defaults.server_error(request, *args, **kwargs)
