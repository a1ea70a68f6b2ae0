"""Master-data snapshot (SPEC §3.2, §3.3): upsert, deactivate, no-op resync, overrides and conflicts."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orderhub.accounts.models import AuditEvent
from orderhub.masterdata import services
from orderhub.masterdata.models import Branch, Conflict, CustomerNumber, Employee
from tests.conftest import snapshot

pytestmark = pytest.mark.django_db

ZERO = {"created": 0, "updated": 0, "deactivated": 0, "unchanged": 0}


def test_first_sync_creates_and_second_identical_sync_writes_nothing(api, partners, company):
    r = api.put("/api/v1/masterdata", snapshot())
    assert r.status_code == 200, r.json_body
    assert r.json_body["branches"] == ZERO | {"created": 2}
    assert r.json_body["users"] == ZERO | {"created": 3}
    assert r.json_body["customer_numbers"] == ZERO | {"created": 1}

    events = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        r = api.put("/api/v1/masterdata", snapshot())
    assert r.json_body["branches"] == ZERO | {"unchanged": 2}
    assert r.json_body["users"] == ZERO | {"unchanged": 3}
    writes = [
        q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    assert AuditEvent.objects.count() == events


def test_changes_new_records_and_missing_records_are_counted(api, partners):
    api.put("/api/v1/masterdata", snapshot())
    data = snapshot(branches=3, users=2)
    data["branches"][0]["name"] = "Filiale Mitte"
    data["users"][1]["branch_ids"] = ["F1", "F3"]
    r = api.put("/api/v1/masterdata", data)
    assert r.json_body["branches"] == {"created": 1, "updated": 1, "deactivated": 0, "unchanged": 1}
    assert r.json_body["users"] == {"created": 0, "updated": 1, "deactivated": 1, "unchanged": 1}
    u3 = Employee.objects.get(external_id="U3")
    assert u3.is_active is False  # deactivated, not deleted
    u2 = Employee.objects.get(external_id="U2")
    assert sorted(u2.branches.values_list("external_id", flat=True)) == ["F1", "F3"]

    got = api.get("/api/v1/masterdata").json_body
    assert [u["id"] for u in got["users"]] == ["U1", "U2"]
    assert got["branches"][0]["name"] == "Filiale Mitte"

    # A user coming back is reactivated.
    r = api.put(
        "/api/v1/masterdata", snapshot(branches=3, users=3) | {"branches": data["branches"]}
    )
    assert Employee.objects.get(external_id="U3").is_active is True


def test_dashboard_edit_survives_sync_and_shows_conflict(api, partners, company):
    api.put("/api/v1/masterdata", snapshot())
    branch = Branch.objects.get(external_id="F1")
    services.edit_in_dashboard(branch, {"name": "Filiale am Markt"}, "Benutzer anna")

    r = api.put("/api/v1/masterdata", snapshot())
    assert r.json_body["branches"]["unchanged"] == 2
    [conflict] = r.json_body["conflicts"]
    assert conflict | {"id": 0, "detected_at": ""} == {
        "id": 0,
        "record_type": "branch",
        "record_id": "F1",
        "field": "name",
        "dashboard_value": "Filiale am Markt",
        "source_value": "Filiale 1",
        "detected_at": "",
    }
    assert Branch.objects.get(external_id="F1").name == "Filiale am Markt"

    # Syncing the same thing again creates no second conflict and no writes.
    r = api.put("/api/v1/masterdata", snapshot())
    assert len(r.json_body["conflicts"]) == 1 and Conflict.objects.count() == 1

    # Keep the dashboard value: the conflict is closed and does not come back for the same value.
    services.resolve_conflict(Conflict.objects.get(), "keep_dashboard", "Benutzer anna")
    r = api.put("/api/v1/masterdata", snapshot())
    assert r.json_body["conflicts"] == []
    # ... but a new value from the practice software raises a new one.
    data = snapshot()
    data["branches"][0]["name"] = "Filiale Nord"
    r = api.put("/api/v1/masterdata", data)
    assert [c["source_value"] for c in r.json_body["conflicts"]] == ["Filiale Nord"]

    # Take the practice software's value: it wins and the field syncs normally again.
    services.resolve_conflict(
        Conflict.objects.get(resolved_at__isnull=True), "take_source", "Benutzer anna"
    )
    assert Branch.objects.get(external_id="F1").name == "Filiale Nord"
    data["branches"][0]["name"] = "Filiale Nord-Ost"
    r = api.put("/api/v1/masterdata", data)
    assert (
        r.json_body["conflicts"] == []
        and Branch.objects.get(external_id="F1").name == "Filiale Nord-Ost"
    )


def test_dashboard_customer_number_is_not_deactivated_by_sync(api, partners, company):
    api.put("/api/v1/masterdata", snapshot())
    services.create_customer_number(
        company[0], partners["audiotec"], None, "AT-99", "Benutzer anna"
    )
    r = api.put("/api/v1/masterdata", snapshot())
    assert r.json_body["customer_numbers"]["deactivated"] == 0
    assert CustomerNumber.objects.get(partner__slug="audiotec").is_active


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda d: d["users"][0].update(birthday="1970-01-01"), "users[0].birthday"),
        (lambda d: d["branches"][1].update(name=42), "branches[1].name"),
        (lambda d: d["users"][2].update(email="not-an-email"), "users[2].email"),
        (lambda d: d["users"][0].update(branch_ids=["F9"]), "users[0].branch_ids[0]"),
        (
            lambda d: d["customer_numbers"][0].update(partner="nobody"),
            "customer_numbers[0].partner",
        ),
        (lambda d: d["branches"].append(dict(d["branches"][0])), "branches[3].id"),
        (lambda d: d.pop("company"), "company"),
        (lambda d: d["users"][0].update(is_admin="maybe"), "users[0].is_admin"),
    ],
)
def test_bad_snapshot_is_refused_with_the_field_and_nothing_is_written(
    api, partners, mutate, field
):
    api.put("/api/v1/masterdata", snapshot())
    before = (Branch.objects.count(), Employee.objects.count(), AuditEvent.objects.count())
    data = copy.deepcopy(snapshot(branches=3))
    data["branches"][0]["name"] = "Neu"
    mutate(data)
    r = api.put("/api/v1/masterdata", data)
    assert r.status_code == 422, r.json_body
    assert r["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json_body["errors"]]
    assert (Branch.objects.count(), Employee.objects.count(), AuditEvent.objects.count()) == before
    assert Branch.objects.get(external_id="F1").name == "Filiale 1"


def test_malformed_json_and_bad_tokens_get_problem_json(api, anon_api, partners):
    r = api.put("/api/v1/masterdata", raw=b'{"company": {')
    assert r.status_code == 400 and r.json_body["detail"].startswith("malformed JSON")
    for client in (anon_api,):
        r = client.put("/api/v1/masterdata", snapshot())
        assert r.status_code == 401 and r["Content-Type"] == "application/problem+json"
    r = api.put("/api/v1/masterdata", snapshot(), headers={"Authorization": "Bearer ohc_forged"})
    assert r.status_code == 401


def test_oversize_body_is_refused(api, partners, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    r = api.put("/api/v1/masterdata", snapshot(users=200))
    assert r.status_code == 413 and r["Content-Type"] == "application/problem+json"
    assert Employee.objects.count() == 0


def test_revoked_token_is_refused(api, company, partners):
    from orderhub.accounts.models import ApiToken

    ApiToken.objects.get(company=company[0]).revoke()
    assert api.get("/api/v1/masterdata").status_code == 401


def test_companies_never_see_each_others_master_data(api, partners, other_company):
    from tests.conftest import ApiClient

    api.put("/api/v1/masterdata", snapshot())
    other = ApiClient(other_company[2])
    got = other.get("/api/v1/masterdata").json_body
    assert got["branches"] == [] and got["users"] == []
    # The same practice-software ids in another company are separate records.
    other.put("/api/v1/masterdata", snapshot(branches=1, users=1))
    assert Branch.objects.filter(external_id="F1").count() == 2
    assert api.get("/api/v1/masterdata").json_body["branches"][0]["name"] == "Filiale 1"


def test_public_partner_list(anon_api, partners):
    r = anon_api.get("/api/v1/partners")
    assert r.status_code == 200
    assert {p["id"]: p["requires_customer_number"] for p in r.json_body["items"]} == {
        "sonora": True,
        "audiotec": True,
        "otoplast": False,
    }
    assert r.json_body["next_cursor"] is None
