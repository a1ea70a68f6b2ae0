"""Roles and branch scoping (SPEC §3.11): branch staff see their branches' orders, carts and
customer numbers only (another branch's is a 404), read-only logins change nothing, and every
event names the person."""

import pytest
from django.test import Client

from orderhub.accounts.models import AuditEvent, Role
from orderhub.masterdata.models import CustomerNumber, Employee
from orderhub.ordering.models import Order, OrderEvent
from tests.accounts.conftest import make_login, people_snapshot

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


@pytest.fixture
def staff(people):
    return client_for(
        make_login(people["company"], Employee.objects.get(external_id="U2"), Role.BRANCH_STAFF)
    )


def test_branch_staff_see_only_their_branch(people, staff):
    f1, f2 = people["carts"]["F1"], people["carts"]["F2"]
    assert staff.get(f"/warenkorb/{f1}/").status_code == 200
    assert staff.get(f"/dashboard/bestellungen/{f1}/").status_code == 200
    # Another branch's cart and order are as unknown as another company's.
    assert staff.get(f"/warenkorb/{f2}/").status_code == 404
    assert staff.get(f"/dashboard/bestellungen/{f2}/").status_code == 404
    line = Order.objects.get(pk=f2).lines.get(position=3)
    assert staff.post(f"/warenkorb/{f2}/position/{line.pk}/entfernen/").status_code == 404
    assert staff.post(f"/warenkorb/{f2}/bestellen/").status_code == 404
    assert not line.__class__.objects.get(pk=line.pk).removed

    listing = staff.get("/dashboard/bestellungen/").content.decode()
    f1_number, f2_number = (Order.objects.get(pk=pk).number for pk in (f1, f2))
    assert f1_number in listing and f2_number not in listing
    export = b"".join(staff.get("/dashboard/bestellungen/export.csv").streaming_content).decode()
    assert f1_number in export and f2_number not in export
    dashboard = staff.get("/dashboard/").content.decode()
    assert f1_number in dashboard and f2_number not in dashboard


def test_branch_staff_customer_numbers(people, staff):
    page = staff.get("/dashboard/kundennummern/").content.decode()
    assert "AT-F1" in page and "K-4711" in page and "AT-F2" not in page
    numbers = {c.number: c for c in CustomerNumber.objects.all()}
    assert staff.get(f"/dashboard/kundennummern/{numbers['AT-F2'].pk}/").status_code == 404
    assert staff.get(f"/dashboard/kundennummern/{numbers['K-4711'].pk}/").status_code == 403
    r = staff.post(f"/dashboard/kundennummern/{numbers['AT-F1'].pk}/", {"number": "AT-F1-NEU"})
    assert r.status_code == 302
    assert CustomerNumber.objects.get(pk=numbers["AT-F1"].pk).number == "AT-F1-NEU"
    # New numbers only for their own branch, never company-wide.
    f1, f2 = (n.branch for n in (numbers["AT-F1"], numbers["AT-F2"]))
    sonora = numbers["K-4711"].partner
    r = staff.post("/dashboard/kundennummern/", {"partner": sonora.pk, "branch": "", "number": "X"})
    assert r.status_code == 200 and not CustomerNumber.objects.filter(number="X").exists()
    r = staff.post(
        "/dashboard/kundennummern/", {"partner": sonora.pk, "branch": f2.pk, "number": "X"}
    )
    assert r.status_code == 200 and not CustomerNumber.objects.filter(number="X").exists()
    r = staff.post(
        "/dashboard/kundennummern/", {"partner": sonora.pk, "branch": f1.pk, "number": "X"}
    )
    assert r.status_code == 302 and CustomerNumber.objects.get(number="X").branch == f1


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/zugaenge/",
        "/dashboard/tokens/",
        "/dashboard/webhooks/",
        "/dashboard/benutzer/",
        "/dashboard/filialen/",
        "/dashboard/konflikte/",
        "/dashboard/protokoll/",
        "/dashboard/zuordnungen/",
        "/dashboard/konto/zwei-faktor/",
    ],
)
def test_branch_staff_have_no_company_pages(people, staff, path):
    assert staff.get(path).status_code == 403


def test_a_cart_names_the_person_who_resolved_it(people, staff):
    f1 = people["carts"]["F1"]
    line = Order.objects.get(pk=f1).lines.get(position=3)
    assert staff.post(f"/warenkorb/{f1}/position/{line.pk}/entfernen/").status_code == 302
    assert staff.post(f"/warenkorb/{f1}/bestellen/").status_code == 302
    assert Order.objects.get(pk=f1).status == "queued"
    actors = set(OrderEvent.objects.filter(order_id=f1).values_list("actor", flat=True))
    assert "Mitarbeiter 2 (u2@muster.example)" in actors
    # The practice software's own events name it as such.
    assert any(a.startswith("Branchensoftware (API-Token Test") for a in actors)
    detail = staff.get(f"/dashboard/bestellungen/{f1}/").content.decode()
    assert "Mitarbeiter 2 (u2@muster.example)" in detail


def test_a_branch_staff_customer_number_from_the_cart_is_saved_for_their_branch(people, staff):
    order = Order.objects.get(pk=people["carts"]["F1"])
    CustomerNumber.objects.filter(partner__slug="sonora").delete()
    order.customer_number = ""
    order.save(update_fields=["customer_number"])
    r = staff.post(
        f"/warenkorb/{order.pk}/kundennummer/",
        {"customer_number": "K-NEU", "save": "1", "scope": "company"},
    )
    assert r.status_code == 302
    saved = CustomerNumber.objects.get(number="K-NEU")
    assert saved.branch == order.branch


def test_read_only_sees_everything_and_changes_nothing(people):
    viewer = client_for(
        make_login(people["company"], Employee.objects.get(external_id="U3"), Role.READ_ONLY)
    )
    f1, f2 = people["carts"]["F1"], people["carts"]["F2"]
    assert viewer.get(f"/warenkorb/{f2}/").status_code == 200
    assert "nur lesen" in viewer.get(f"/warenkorb/{f1}/").content.decode()
    assert viewer.get("/dashboard/protokoll/").status_code == 200
    assert viewer.post(f"/warenkorb/{f1}/bestellen/").status_code == 403
    number = CustomerNumber.objects.get(number="AT-F1")
    assert viewer.post(f"/dashboard/kundennummern/{number.pk}/", {"number": "Y"}).status_code == 403
    assert viewer.get("/dashboard/tokens/").status_code == 403
    assert viewer.get("/dashboard/zugaenge/").status_code == 403


def test_a_login_ends_when_the_practice_software_drops_the_employee(people, staff):
    assert staff.get("/dashboard/").status_code == 200
    data = people_snapshot()
    data["users"] = [u for u in data["users"] if u["id"] != "U2"]
    assert people["api"].put("/api/v1/masterdata", data).status_code == 200
    r = staff.get("/dashboard/")
    assert r.status_code == 302 and r["Location"] == "/anmelden/"
    assert staff.get("/dashboard/").status_code == 302  # logged out


def test_the_branches_follow_the_sync(people, staff):
    f2 = people["carts"]["F2"]
    assert staff.get(f"/warenkorb/{f2}/").status_code == 404
    data = people_snapshot()
    data["users"][1]["branch_ids"] = ["F1", "F2"]
    assert people["api"].put("/api/v1/masterdata", data).status_code == 200
    assert staff.get(f"/warenkorb/{f2}/").status_code == 200


def test_administrators_see_every_branch_and_the_registration_login_is_one(people):
    admin = client_for(people["admin"])
    assert people["admin"].account.role == Role.ADMIN
    for pk in people["carts"].values():
        assert admin.get(f"/warenkorb/{pk}/").status_code == 200
    assert admin.get("/dashboard/zugaenge/").status_code == 200


def test_audit_rows_name_the_person(people, staff):
    number = CustomerNumber.objects.get(number="AT-F1")
    staff.post(f"/dashboard/kundennummern/{number.pk}/", {"number": "AT-F1-2"})
    row = AuditEvent.objects.filter(object_type="customer_number").latest("at")
    assert row.actor == "Mitarbeiter 2 (u2@muster.example)"
