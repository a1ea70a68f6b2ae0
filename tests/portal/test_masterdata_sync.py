"""The fast master-data sync (SPEC §3.2): every path of the compare, validation once, bounded queries."""

import copy
import gc

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orderhub.accounts.models import AuditEvent
from orderhub.masterdata import schemas, services
from orderhub.masterdata.gcpause import cyclic_gc_paused
from orderhub.masterdata.models import Branch, Conflict, CustomerNumber, Employee, EmployeeBranch
from tests.conftest import snapshot

pytestmark = pytest.mark.django_db

ZERO = {"created": 0, "updated": 0, "deactivated": 0, "unchanged": 0}
WRITES = {"INSERT", "UPDATE", "DELETE"}


def writes_of(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].split()[0].upper() in WRITES]


def memberships(user_id: str) -> list[str]:
    return sorted(
        Employee.objects.get(external_id=user_id).branches.values_list("external_id", flat=True)
    )


def test_membership_only_changes_add_and_remove_and_count_once(api, partners):
    data = snapshot(branches=3, users=3)
    data["users"][0]["branch_ids"] = ["F1", "F2"]
    data["users"][1]["branch_ids"] = ["F2", "F3"]
    api.put("/api/v1/masterdata", data)
    assert memberships("U1") == ["F1", "F2"] and memberships("U2") == ["F2", "F3"]

    data["users"][0]["branch_ids"] = ["F2"]  # removed F1
    data["users"][1]["branch_ids"] = ["F1", "F3"]  # removed F2, added F1
    data["users"][2]["branch_ids"] = []  # removed F1
    r = api.put("/api/v1/masterdata", data)
    assert r.json_body["users"] == ZERO | {"updated": 3}
    assert (
        memberships("U1") == ["F2"]
        and memberships("U2") == ["F1", "F3"]
        and memberships("U3") == []
    )
    assert EmployeeBranch.objects.count() == 3

    # A user whose fields and memberships both changed counts once.
    data["users"][0]["name"] = "Umbenannt"
    data["users"][0]["branch_ids"] = ["F3"]
    r = api.put("/api/v1/masterdata", data)
    assert r.json_body["users"] == ZERO | {"updated": 1, "unchanged": 2}
    assert memberships("U1") == ["F3"]

    with CaptureQueriesContext(connection) as queries:
        r = api.put("/api/v1/masterdata", data)
    assert r.json_body["users"] == ZERO | {"unchanged": 3} and writes_of(queries) == []


def test_deactivated_record_sent_again_unchanged_is_reactivated(api, partners):
    api.put("/api/v1/masterdata", snapshot(branches=2, users=3))
    r = api.put("/api/v1/masterdata", snapshot(branches=1, users=2, customer_numbers=[]))
    assert r.json_body["branches"] == ZERO | {"deactivated": 1, "unchanged": 1}
    assert r.json_body["users"] == ZERO | {"deactivated": 1, "unchanged": 2}
    assert r.json_body["customer_numbers"] == ZERO | {"deactivated": 1}
    assert not Branch.objects.get(external_id="F2").is_active
    assert not CustomerNumber.objects.get().is_active
    # Deactivated records are not deactivated again.
    r = api.put("/api/v1/masterdata", snapshot(branches=1, users=2, customer_numbers=[]))
    assert r.json_body["branches"] == ZERO | {"unchanged": 1}

    # The same values as before: the stored values are equal, but the records must come back.
    r = api.put("/api/v1/masterdata", snapshot(branches=2, users=3))
    assert r.json_body["branches"] == ZERO | {"updated": 1, "unchanged": 1}
    assert r.json_body["users"] == ZERO | {"updated": 1, "unchanged": 2}
    assert r.json_body["customer_numbers"] == ZERO | {"updated": 1}
    assert Branch.objects.filter(is_active=True).count() == 2
    assert Employee.objects.filter(is_active=True).count() == 3
    assert CustomerNumber.objects.get().is_active


def test_dashboard_value_equal_to_source_clears_the_override_then_syncs_quietly(
    api, partners, company
):
    api.put("/api/v1/masterdata", snapshot())
    user = Employee.objects.get(external_id="U2")
    services.edit_in_dashboard(user, {"phone": "+49 30 999"}, "Benutzer anna")
    r = api.put("/api/v1/masterdata", snapshot())
    assert r.json_body["users"] == ZERO | {"unchanged": 3}
    [conflict] = r.json_body["conflicts"]
    assert (conflict["record_id"], conflict["field"], conflict["source_value"]) == (
        "U2",
        "phone",
        "+49 30 1234567",
    )

    # The practice software now sends what the dashboard says: override gone, conflict closed.
    data = snapshot()
    data["users"][1]["phone"] = "+49 30 999"
    r = api.put("/api/v1/masterdata", data)
    assert r.json_body["users"] == ZERO | {"updated": 1, "unchanged": 2}
    assert r.json_body["conflicts"] == []
    assert Employee.objects.get(external_id="U2").overrides == {}
    assert Conflict.objects.get().resolution == "take_source"

    # From now on the record is an ordinary one: unchanged, no writes; changed, synced.
    with CaptureQueriesContext(connection) as queries:
        r = api.put("/api/v1/masterdata", data)
    assert r.json_body["users"] == ZERO | {"unchanged": 3} and writes_of(queries) == []
    data["users"][1]["phone"] = "+49 30 111"
    r = api.put("/api/v1/masterdata", data)
    assert r.json_body["users"] == ZERO | {"updated": 1, "unchanged": 2}
    assert Employee.objects.get(external_id="U2").phone == "+49 30 111"


def test_overridden_record_is_compared_field_by_field_even_when_values_match(
    api, partners, company
):
    """A record with an override never takes the quick path: its other fields still sync."""
    api.put("/api/v1/masterdata", snapshot())
    services.edit_in_dashboard(
        Branch.objects.get(external_id="F1"), {"name": "Am Markt"}, "Benutzer anna"
    )
    data = snapshot()
    data["branches"][0]["city"] = "Potsdam"
    r = api.put("/api/v1/masterdata", data)
    assert r.json_body["branches"] == ZERO | {"updated": 1, "unchanged": 1}
    branch = Branch.objects.get(external_id="F1")
    assert (branch.name, branch.city) == ("Am Markt", "Potsdam")
    assert [c["field"] for c in r.json_body["conflicts"]] == ["name"]
    # Resync: the open conflict stays as it is, nothing is written.
    events = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        r = api.put("/api/v1/masterdata", data)
    assert r.json_body["branches"] == ZERO | {"unchanged": 2} and writes_of(queries) == []
    assert AuditEvent.objects.count() == events and Conflict.objects.count() == 1


def test_branch_customer_numbers_upsert_by_partner_and_branch(api, partners):
    numbers = [
        {"partner": "sonora", "customer_number": "K-1", "branch_id": None},
        {"partner": "sonora", "customer_number": "K-1-F2", "branch_id": "F2"},
        {"partner": "audiotec", "customer_number": "AT-1", "branch_id": "F1"},
    ]
    r = api.put("/api/v1/masterdata", snapshot(customer_numbers=numbers))
    assert r.json_body["customer_numbers"] == ZERO | {"created": 3}
    assert (
        CustomerNumber.objects.get(partner__slug="sonora", branch__external_id="F2").number
        == "K-1-F2"
    )

    with CaptureQueriesContext(connection) as queries:
        r = api.put("/api/v1/masterdata", snapshot(customer_numbers=numbers))
    assert r.json_body["customer_numbers"] == ZERO | {"unchanged": 3} and writes_of(queries) == []

    numbers = copy.deepcopy(numbers)
    numbers[1]["customer_number"] = "K-2-F2"
    del numbers[2]
    r = api.put("/api/v1/masterdata", snapshot(customer_numbers=numbers))
    assert r.json_body["customer_numbers"] == {
        "created": 0,
        "updated": 1,
        "deactivated": 1,
        "unchanged": 1,
    }
    assert (
        CustomerNumber.objects.get(partner__slug="sonora", branch__external_id="F2").number
        == "K-2-F2"
    )
    assert not CustomerNumber.objects.get(partner__slug="audiotec").is_active


def test_unchanged_resync_reads_in_a_fixed_number_of_queries(api, partners):
    """Reading is per table, not per record: 3 users or 60 users cost the same statements."""
    counts = []
    for users in (3, 60):
        data = snapshot(branches=5, users=users)
        api.put("/api/v1/masterdata", data)
        with CaptureQueriesContext(connection) as queries:
            r = api.put("/api/v1/masterdata", data)
        assert r.json_body["users"] == ZERO | {"unchanged": users}
        assert writes_of(queries) == []
        counts.append(
            sum("masterdata_" in q["sql"] for q in queries)
        )  # not the token lookup (may be cached)
    assert counts[0] == counts[1] and counts[1] <= 10


def test_each_email_is_validated_once(api, partners, monkeypatch):
    """Ninja's Schema validated an extra="forbid" model twice per nesting level (4× per user)."""
    calls = []
    original = schemas.validate_email

    def counting(value):
        calls.append(value)
        return original(value)

    monkeypatch.setattr(schemas, "validate_email", counting)
    r = api.put("/api/v1/masterdata", snapshot(users=7))
    assert r.status_code == 200
    assert sorted(calls) == sorted(f"u{i}@muster.example" for i in range(1, 8))


@pytest.mark.parametrize(
    "address",
    [
        "anna@muster.example",
        "a.b+c@sub.muster.example",
        "x@localhost",
        "x@[127.0.0.1]",
        "x@[::1]",
        "x@[300.1.1.1]",
        "no-at-sign",
        "@muster.example",
        "anna@",
        "anna@-muster.example",
        "anna@muster",
        "an na@muster.example",
        '"quoted name"@muster.example',
        "anna@muster..example",
        "anna@mÜster.example",
        "anna@" + "a" * 64 + ".example",
        "a" * 310 + "@muster.example",
        "anna@muster.example\n",
        "ANNA@MUSTER.EXAMPLE",
    ],
)
def test_email_check_agrees_with_djangos(address):
    def verdict(check):
        try:
            check(address)
        except ValidationError:
            return False
        return True

    for _ in range(2):  # the second time from the domain cache
        assert verdict(schemas.validate_email) == verdict(django_validate_email), address


def test_garbage_collector_is_back_on_after_a_sync_and_after_a_refused_one(api, partners):
    assert gc.isenabled()
    assert api.put("/api/v1/masterdata", snapshot()).status_code == 200
    assert gc.isenabled()
    data = snapshot()
    data["users"][0]["branch_ids"] = ["F9"]  # refused inside the service
    assert api.put("/api/v1/masterdata", data).status_code == 422
    assert gc.isenabled()
    data = snapshot()
    data["users"][0]["birthday"] = "1970-01-01"  # refused by the schema
    assert api.put("/api/v1/masterdata", data).status_code == 422
    assert gc.isenabled()
    # Left off if it was off before.
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("body", [b"[]", b"null", b'"snapshot"', b"1"])
def test_a_body_that_is_not_an_object_is_refused_as_before(api, partners, body):
    r = api.put("/api/v1/masterdata", raw=body)
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    assert r.json_body["errors"] == [
        {
            "field": "payload",
            "message": ("Input should be a valid dictionary or object to extract fields from"),
        }
    ]
    assert gc.isenabled()
