"""Customer numbers in the dashboard: adding one where one exists asks first (naming old and new),
a number can be deleted (a later sync does not bring it back) and a number set in the portal can go
back to the practice software's value; read-only logins see no buttons and get 403."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from orderhub.accounts.models import Account, AuditEvent, Role
from orderhub.masterdata import services as masterdata
from orderhub.masterdata.models import Branch, Conflict, CustomerNumber, Employee
from tests.conftest import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(company):
    client = Client()
    client.force_login(company[1])
    return client


def login(company, role, external_id="U2") -> Client:
    employee = Employee.objects.get(company=company, external_id=external_id)
    user = get_user_model().objects.create_user(username=f"{role}-{external_id}", password="x")
    Account.objects.create(user=user, company=company, role=role, employee=employee)
    client = Client()
    client.force_login(user)
    return client


def text(r) -> str:
    return re.sub(r"\s+", " ", r.content.decode())


def numbers(company):
    return {
        (n.branch.external_id if n.branch else None): n
        for n in CustomerNumber.objects.filter(company=company, partner__slug="sonora")
    }


def sync(practice, company_number="K-4711", f1_number="K-F1"):
    data = snapshot()
    data["customer_numbers"] = [
        {"partner": "sonora", "customer_number": f1_number, "branch_id": "F1"},
        {"partner": "sonora", "customer_number": company_number, "branch_id": None},
    ]
    assert practice.put("/api/v1/masterdata", data).status_code == 200


def test_adding_where_one_exists_asks_first_naming_old_and_new(practice, company, admin):
    c = company[0]
    sonora, f1 = numbers(c)[None].partner, Branch.objects.get(company=c, external_id="F1")
    form = {"partner": sonora.pk, "branch": f1.pk, "number": "K-F1-NEU"}
    r = admin.post("/dashboard/kundennummern/", form)
    assert r.status_code == 200
    page = text(r)
    assert "Kundennummer ersetzen?" in page
    assert "bereits die Kundennummer „K-F1“ hinterlegt. Sie wird durch „K-F1-NEU“ ersetzt." in page
    assert numbers(c)["F1"].number == "K-F1"  # nothing changed yet
    r = admin.post("/dashboard/kundennummern/", {**form, "confirm": "1"})
    assert r.status_code == 302
    assert numbers(c)["F1"].number == "K-F1-NEU"
    # The same number again changes nothing and asks nothing.
    r = admin.post("/dashboard/kundennummern/", {**form, "number": "K-F1-NEU"}, follow=True)
    assert "Diese Kundennummer ist bereits hinterlegt." in text(r)
    # A number where none exists needs no confirmation.
    f2 = Branch.objects.get(company=c, external_id="F2")
    r = admin.post("/dashboard/kundennummern/", {**form, "branch": f2.pk, "number": "K-F2"})
    assert r.status_code == 302 and numbers(c)["F2"].number == "K-F2"


def test_the_confirmation_is_in_english_too(practice, company, admin):
    admin.post("/i18n/setlang/", {"language": "en", "next": "/"})
    sonora = numbers(company[0])[None].partner
    r = admin.post("/dashboard/kundennummern/", {"partner": sonora.pk, "number": "K-X"})
    assert "is replaced by “K-X”" in text(r) and "„" not in text(r).split("<main>")[1]


def test_delete_asks_first_and_a_later_sync_does_not_bring_it_back(practice, company, admin):
    c = company[0]
    record = numbers(c)["F1"]
    listing = text(admin.get("/dashboard/kundennummern/"))
    assert f"/dashboard/kundennummern/{record.pk}/loeschen/" in listing
    r = admin.get(f"/dashboard/kundennummern/{record.pk}/loeschen/")
    assert r.status_code == 200 and "Die Kundennummer „K-F1“ für Sonora" in text(r)
    assert admin.post(f"/dashboard/kundennummern/{record.pk}/loeschen/").status_code == 200
    assert numbers(c)["F1"].is_active
    r = admin.post(f"/dashboard/kundennummern/{record.pk}/loeschen/", {"confirm": "1"})
    assert r.status_code == 302
    record.refresh_from_db()
    assert not record.is_active
    assert AuditEvent.objects.filter(company=c, action="customer_number.deleted").exists()
    assert f'id="number-{record.pk}"' not in text(admin.get("/dashboard/kundennummern/"))
    sync(practice)
    record.refresh_from_db()
    assert not record.is_active, "the sync brought a deleted number back"
    # Entering a number again for the branch brings the record back.
    f1 = record.branch
    admin.post(
        "/dashboard/kundennummern/",
        {"partner": record.partner.pk, "branch": f1.pk, "number": "K-F1-WIEDER"},
    )
    record.refresh_from_db()
    assert record.is_active and record.number == "K-F1-WIEDER"
    assert masterdata.DELETED not in record.overrides


def test_a_portal_number_goes_back_to_the_practice_softwares(practice, company, admin):
    c = company[0]
    record = numbers(c)[None]
    assert masterdata.practice_software_number(record) is None  # nothing to go back to
    assert f"/dashboard/kundennummern/{record.pk}/zuruecksetzen/" not in text(
        admin.get("/dashboard/kundennummern/")
    )
    admin.post(f"/dashboard/kundennummern/{record.pk}/", {"number": "K-PORTAL"})
    record.refresh_from_db()
    assert record.number == "K-PORTAL"
    assert masterdata.practice_software_number(record) == "K-4711"
    listing = text(admin.get("/dashboard/kundennummern/"))
    assert f"/dashboard/kundennummern/{record.pk}/zuruecksetzen/" in listing
    assert "Branchensoftware: <code>K-4711</code>" in listing

    r = admin.get(f"/dashboard/kundennummern/{record.pk}/zuruecksetzen/")
    assert "„K-PORTAL“ für Sonora Hörsysteme GmbH (für alle Filialen)" in text(r)
    assert "durch „K-4711“ aus der Branchensoftware ersetzt" in text(r)
    r = admin.post(f"/dashboard/kundennummern/{record.pk}/zuruecksetzen/", {"confirm": "1"})
    assert r.status_code == 302
    record.refresh_from_db()
    assert record.number == "K-4711" and "number" not in record.overrides
    assert AuditEvent.objects.filter(company=c, action="customer_number.reset").exists()
    # The practice software's value is in force again: the next sync writes a new one.
    sync(practice, company_number="K-4712")
    record.refresh_from_db()
    assert record.number == "K-4712"


def test_reset_follows_the_practice_softwares_latest_value(practice, company, admin):
    c = company[0]
    record = numbers(c)[None]
    admin.post(f"/dashboard/kundennummern/{record.pk}/", {"number": "K-PORTAL"})
    sync(practice, company_number="K-4799")  # a conflict: the portal's value stays in force
    record.refresh_from_db()
    assert record.number == "K-PORTAL"
    assert record.overrides["number"]["source"] == "K-4799"
    assert masterdata.practice_software_number(record) == "K-4799"
    admin.post(f"/dashboard/kundennummern/{record.pk}/zuruecksetzen/", {"confirm": "1"})
    record.refresh_from_db()
    assert record.number == "K-4799"
    conflict = Conflict.objects.get(record_type="customer_number", record_id=record.pk)
    assert conflict.resolution == "take_source" and conflict.resolved_at is not None


def test_keeping_the_dashboard_value_in_a_conflict_keeps_the_way_back(practice, company, admin):
    c = company[0]
    record = numbers(c)[None]
    admin.post(f"/dashboard/kundennummern/{record.pk}/", {"number": "K-PORTAL"})
    sync(practice, company_number="K-4799")
    conflict = Conflict.objects.get(record_type="customer_number", record_id=record.pk)
    masterdata.resolve_conflict(conflict, "keep_dashboard", "Test")
    record.refresh_from_db()
    assert masterdata.practice_software_number(record) == "K-4799"


def test_read_only_sees_no_buttons_and_gets_403(practice, company):
    c = company[0]
    viewer = login(c, Role.READ_ONLY)
    record = numbers(c)["F1"]
    page = text(viewer.get("/dashboard/kundennummern/"))
    assert "K-F1" in page
    for link in ("loeschen/", "zuruecksetzen/", "bearbeiten", "Hinzufügen"):
        assert link not in page, link
    for action in ("loeschen", "zuruecksetzen"):
        assert viewer.get(f"/dashboard/kundennummern/{record.pk}/{action}/").status_code == 403
        r = viewer.post(f"/dashboard/kundennummern/{record.pk}/{action}/", {"confirm": "1"})
        assert r.status_code == 403
    r = viewer.post(
        "/dashboard/kundennummern/",
        {"partner": record.partner.pk, "branch": record.branch.pk, "number": "X", "confirm": "1"},
    )
    assert r.status_code == 403
    record.refresh_from_db()
    assert record.is_active and record.number == "K-F1"


def test_branch_staff_change_only_their_branchs_numbers(practice, company):
    c = company[0]
    staff = login(c, Role.BRANCH_STAFF)  # U2 works for F1
    f1, company_wide = numbers(c)["F1"], numbers(c)[None]
    page = text(staff.get("/dashboard/kundennummern/"))
    assert f"/dashboard/kundennummern/{f1.pk}/loeschen/" in page
    assert f"/dashboard/kundennummern/{company_wide.pk}/loeschen/" not in page
    assert staff.get(f"/dashboard/kundennummern/{company_wide.pk}/loeschen/").status_code == 403
    f2 = CustomerNumber.objects.create(
        company=c,
        partner=f1.partner,
        branch=Branch.objects.get(company=c, external_id="F2"),
        number="K-F2",
    )
    assert staff.get(f"/dashboard/kundennummern/{f2.pk}/loeschen/").status_code == 404
    r = staff.post(f"/dashboard/kundennummern/{f2.pk}/loeschen/", {"confirm": "1"})
    assert r.status_code == 404
    assert (
        staff.post(f"/dashboard/kundennummern/{f1.pk}/loeschen/", {"confirm": "1"}).status_code
        == 302
    )
    f1.refresh_from_db()
    f2.refresh_from_db()
    assert not f1.is_active and f2.is_active
