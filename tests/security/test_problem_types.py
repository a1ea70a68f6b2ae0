"""One problem vocabulary: every error answer's ``type`` is a URI the API itself explains."""

import pytest
from django.db import OperationalError

from orderhub.core import problems
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def _explained(anon_api, body: dict) -> dict:
    assert body["type"].startswith("/api/v1/problems/"), body
    r = anon_api.get(body["type"])
    assert r.status_code == 200, (body["type"], r.content[:300])
    explained = r.json()
    assert explained["type"] == body["type"] and explained["status"] == body["status"]
    assert explained["description"]
    return explained


def test_error_answers_of_every_builder_name_a_type_the_api_explains(
    api, anon_api, partner_token, monkeypatch
):
    answers = [
        # a service's Problem (the API's exception handler)
        ("invalid-input", api.get("/api/v1/catalog/search?partner=nobody&q=x")),
        # the schema's validation errors
        ("invalid-input", api.put("/api/v1/masterdata", {"company": {}})),
        # no token
        ("unauthorized", anon_api.get("/api/v1/orders")),
        # the middleware: a path the API does not route
        ("not-found", api.get("/api/v1/no-such-thing")),
        # a partner document that is not one
        (
            "malformed-document",
            ApiClient(partner_token).request(
                "POST",
                "/api/v1/partner/documents",
                raw=b"<ORDERRESPONSE><broken",
                content_type="application/xml",
            ),
        ),
    ]
    for expected, r in answers:
        body = r.json()
        assert r["Content-Type"].startswith("application/problem+json"), (expected, r.content[:300])
        assert body["type"] == f"/api/v1/problems/{expected}", (expected, body)
        assert _explained(anon_api, body)["title"] == body["title"]

    # the outage answer
    from orderhub.masterdata import selectors

    def down(company):
        raise OperationalError("connection refused")

    monkeypatch.setattr(selectors, "snapshot_in_force", down)
    r = api.get("/api/v1/masterdata")
    assert r.status_code == 503
    assert r.json()["type"] == "/api/v1/problems/service-unavailable"
    _explained(anon_api, r.json())


def test_the_list_names_every_type_and_an_unknown_one_is_not_found(anon_api):
    listed = anon_api.get("/api/v1/problems").json()
    assert {t["type"] for t in listed} == {t.uri for t in problems.TYPES.values()}
    r = anon_api.get("/api/v1/problems/no-such-type")
    assert r.status_code == 404 and r.json()["type"] == "/api/v1/problems/not-found"


def test_every_problem_a_service_raises_is_of_the_vocabulary():
    import importlib
    import pkgutil

    import orderhub

    for module in pkgutil.walk_packages(orderhub.__path__, "orderhub."):
        if ".migrations" in module.name or module.name.endswith(("wsgi", "asgi", "cli")):
            continue
        importlib.import_module(module.name)
    seen, todo = [], [problems.Problem]
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    unknown = [c.__qualname__ for c in seen if c.kind not in problems.TYPES]
    assert unknown == [] and len(seen) > 8, unknown
