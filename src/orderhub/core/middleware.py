"""Request hygiene shared by API and pages.

* NUL characters (``\\x00``) never reach the database: PostgreSQL refuses them in text columns,
  so a request carrying one in its query, headers or body is answered 422 (API) / 400 (pages);
  in a multipart body (files) the form fields and file names are checked, not the files' bytes.
* Every answer under ``/api/`` is problem+json, also Django's own 404/405 for unrouted paths.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError

from orderhub.core.problems import PROBLEM_JSON, InvalidInput, problem_body, problem_json

#: Bodies streamed by their view (large catalog files) are not inspected here.
STREAMED_PATHS = ("/api/v1/partner/catalogs",)
KINDS = {404: "not-found", 405: "method-not-allowed"}


def _problem(kind: str, detail: str, path: str) -> HttpResponse:
    body = problem_body(kind, detail, instance=path)
    return HttpResponse(problem_json(body), status=body["status"], content_type=PROBLEM_JSON)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def nul_location(request) -> str | None:
    """Where a NUL character is (query, header, body), or None; raises RequestDataTooBig for a
    multipart form whose fields exceed the limit (the stream is consumed: nobody could read it)."""
    if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return "query"
    for name, value in request.headers.items():
        if "\x00" in value:
            return f"header {name}"
    if request.method not in ("POST", "PUT", "PATCH") or request.path.startswith(STREAMED_PATHS):
        return None
    if request.content_type == "multipart/form-data":
        # Files (attachments: binary ear scans) carry NUL bytes and are never text columns; the
        # form fields and file names beside them are checked. A body within the memory limit is
        # read first, so a view that reads the raw body (partner documents) still can: Django
        # then parses the form from the bytes in memory, not from the consumed stream.
        if _content_length(request) <= (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or float("inf")):
            try:
                request.body  # noqa: B018  (reading caches it)
            except RequestDataTooBig:
                return None  # the view answers 413
        try:
            fields, uploads = request.POST, request.FILES
        except MultiPartParserError:
            return None  # the view answers (the body or the field it misses)
        if any("\x00" in v for _, values in fields.lists() for v in values) or any(
            "\x00" in (f.name or "") for f in uploads.values()
        ):
            return "body"
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        return None  # the view answers 413
    if b"\x00" in body or b"\\u0000" in body:
        return "body"
    if request.content_type == "application/x-www-form-urlencoded" and b"%00" in body:
        return "body"
    return None


class RequestHygieneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path.startswith("/api/")
        try:
            where = nul_location(request)
        except RequestDataTooBig:
            if is_api:
                return _problem(
                    "payload-too-large", "The form exceeds the size limit.", request.path
                )
            return HttpResponseBadRequest("The form exceeds the size limit.")
        request.nul_location = where
        if where and not is_api:
            return HttpResponseBadRequest(f"NUL characters are not allowed ({where})")
        # API requests are refused after authentication (see reject_nul), so a missing token is
        # still a 401 and not a 422.
        response = self.get_response(request)
        if (
            is_api
            and response.status_code in KINDS
            and not response.get("Content-Type", "").startswith(PROBLEM_JSON)
        ):
            problem = _problem(
                KINDS[response.status_code],
                f"{request.method} {request.path} is not part of the API",
                request.path,
            )
            if response.has_header("Allow"):
                problem["Allow"] = response["Allow"]
            return problem
        return response


def reject_nul(request) -> None:
    """Called once the API request is authenticated (or by public endpoints)."""
    where = getattr(request, "nul_location", None)
    if where:
        raise InvalidInput(where, "contains a NUL character, which is not allowed")
