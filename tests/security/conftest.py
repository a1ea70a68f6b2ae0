"""Fixtures for the security and robustness tests: a populated tenant A, a nosy tenant B, partners.

``world`` builds everything company A can own (master data with a dashboard override and an open
conflict, a cart order, a queued order, an order already sent to the partner, a stored document,
a named API token, audit events) plus company B with its own master data, partner tokens and
supplier-portal logins. Every identifier of A is distinctive so that a body of B's can be searched
for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from tests.conftest import ApiClient, make_company
from tests.ordering.conftest import order_body, submit

PASSWORD = "Geheim-12345!"


def snapshot_for(tag: str, *, sonora_number: str) -> dict:
    """A master-data snapshot whose every name carries ``tag`` (so leaks are easy to spot)."""
    return {
        "company": {"name": f"Hörakustik {tag} GmbH"},
        "branches": [
            {
                "id": "F1",
                "name": f"Filiale {tag}-Mitte",
                "street": f"{tag}-Straße 1",
                "postal_code": "10115",
                "city": "Berlin",
                "country": "DE",
            },
            {
                "id": "F2",
                "name": f"Filiale {tag}-Nord",
                "street": f"{tag}-Weg 2",
                "postal_code": "20095",
                "city": "Hamburg",
                "country": "DE",
            },
        ],
        "users": [
            {
                "id": "U1",
                "name": f"Alma {tag}-Aaltonen",
                "email": f"alma.{tag.lower()}@practice.example",
                "phone": "+49 30 1234567",
                "branch_ids": ["F1"],
                "is_admin": True,
            },
            {
                "id": "U2",
                "name": f"Bert {tag}-Brandt",
                "email": f"bert.{tag.lower()}@practice.example",
                "phone": None,
                "branch_ids": ["F1", "F2"],
                "is_admin": False,
            },
        ],
        "customer_numbers": [
            {"partner": "sonora", "customer_number": sonora_number, "branch_id": None},
            {"partner": "audiotec", "customer_number": f"AT-{tag}-77", "branch_id": "F2"},
        ],
    }


@dataclass
class Tenant:
    company: object
    user: object
    token: str
    api: ApiClient
    browser: Client
    secrets: list[str] = field(
        default_factory=list
    )  # identifiers that must never show up for others
    orders: dict = field(default_factory=dict)  # "cart" | "queued" | "sent" -> Order
    token_row: object = None
    conflict: object = None
    document: object = None
    webhook: object = None


@dataclass
class World:
    a: Tenant
    b: Tenant
    partner_tokens: dict  # slug -> plain partner token
    supplier_logins: dict  # slug -> Django user bound to that partner (supplier portal)
    sonora_import: object  # CatalogImport of sonora's catalog
    registration_id: str  # a completed registration of A (its page is public by link)


def _supplier_login(partner, username):
    from django.contrib.auth import get_user_model

    from orderhub.delivery.models import PartnerAccount

    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    PartnerAccount.objects.create(user=user, partner=partner)
    return user


def _tenant(company_tuple, tag) -> Tenant:
    company, user, token = company_tuple
    browser = Client()
    browser.force_login(user)
    return Tenant(company=company, user=user, token=token, api=ApiClient(token), browser=browser)


@pytest.fixture
def fast_hashing(settings):
    """Argon2 costs ~0.4 s per password; the isolation world creates several logins."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tenant(fast_hashing, partners) -> Tenant:
    """One company with master data (F1, F2, U1, U2) and a logged-in browser; no catalog, no orders."""
    t = _tenant(make_company("Hörstudio Leicht KG"), "L")
    r = t.api.put("/api/v1/masterdata", snapshot_for("Leicht", sonora_number="K-L-1"))
    assert r.status_code == 200, r.json_body
    return t


@pytest.fixture
def world(fast_hashing, partners, sonora_catalog) -> World:
    from orderhub.accounts.models import ApiToken, AuditEvent
    from orderhub.catalog.models import CatalogImport
    from orderhub.delivery.models import Document
    from orderhub.masterdata import services as masterdata
    from orderhub.masterdata.models import Branch
    from orderhub.ordering.models import Order
    from orderhub.partners.models import PartnerToken

    a = _tenant(make_company("Hörakustik Geheimhausen GmbH"), "A")
    b = _tenant(make_company("Hörstudio Neugierig OHG"), "B")

    # --- A: master data, a dashboard override and the conflict the next sync raises --------------
    snap_a = snapshot_for("Geheimhausen", sonora_number="K-GEHEIM-4711")
    r = a.api.put("/api/v1/masterdata", snap_a)
    assert r.status_code == 200, r.json_body
    branch = Branch.objects.get(company=a.company, external_id="F2")
    masterdata.edit_in_dashboard(
        branch, {"name": "Filiale Geheimhausen-Dashboardname"}, "Benutzer geheim-anna"
    )
    snap_a["branches"][1]["name"] = "Filiale Geheimhausen-Quellname"
    r = a.api.put("/api/v1/masterdata", snap_a)
    assert r.status_code == 200 and r.json_body["conflicts"], r.json_body
    from orderhub.masterdata.models import Conflict

    a.conflict = Conflict.objects.get(company=a.company, resolved_at__isnull=True)

    # --- A: a named token (as the dashboard issues it) --------------------------------------------
    a.token_row, _ = ApiToken.issue(
        company=a.company, name="Token-Geheimhausen-Empfang", created_by=a.user.get_username()
    )
    AuditEvent.objects.create(
        company=a.company,
        actor="Benutzer geheim-anna",
        action="api_token.issued",
        object_type="api_token",
        object_id=str(a.token_row.pk),
        changes={"name": a.token_row.name},
    )

    # --- A: orders in three states ----------------------------------------------------------------
    cart_body = order_body("EXT-GEHEIM-CART", reference="Kommission Geheim-Cart")
    cart_body["lines"][0]["partner_article_number"] = "SN-DOES-NOT-EXIST"
    r = submit(a.api, cart_body, key="idem-geheim-cart")
    assert r.status_code == 201 and r.json_body["status"] == "cart", r.json_body
    a.orders["cart"] = Order.objects.get(pk=r.json_body["id"])

    r = submit(
        a.api,
        order_body("EXT-GEHEIM-QUEUED", reference="Kommission Geheim-Queued"),
        key="idem-geheim-q",
    )
    assert r.status_code == 201 and r.json_body["status"] == "queued", r.json_body
    a.orders["queued"] = Order.objects.get(pk=r.json_body["id"])

    r = submit(
        a.api,
        order_body("EXT-GEHEIM-SENT", reference="Kommission Geheim-Sent"),
        key="idem-geheim-s",
    )
    assert r.status_code == 201, r.json_body
    Order.objects.filter(pk=r.json_body["id"]).update(status="sent")
    a.orders["sent"] = Order.objects.get(pk=r.json_body["id"])

    a.document = Document.objects.create(
        order=a.orders["queued"],
        partner=partners["sonora"],
        direction="outbound",
        kind="order",
        format="opentrans",
        content_type="application/xml",
        filename="order-geheim.xml",
        content=b"<ORDER>GEHEIM-DOCUMENT-BYTES</ORDER>",
        size=36,
    )

    # --- A: an ear scan on the cart and on the sent order (issue 17 attachments) -----------------
    import io

    from orderhub.attachments import services as attachment_services
    from tests.attachments.files import binary_stl

    scan = binary_stl(header=b"GEHEIM-SCAN-BYTES")
    a.attachment = attachment_services.store_file(
        a.company, io.BytesIO(scan), "scan-geheim-rechts.stl", len(scan), "Benutzer geheim-anna"
    )
    (a.cart_link,) = attachment_services.attach(
        a.orders["cart"], [a.attachment], "Benutzer geheim-anna"
    )
    (a.sent_link,) = attachment_services.attach(
        a.orders["sent"], [a.attachment], "Benutzer geheim-anna"
    )

    from orderhub.delivery.models import CompanyWebhook

    # Loopback, closed port: tasks that notify it fail fast and never leave the machine.
    a.webhook = CompanyWebhook.objects.create(
        company=a.company,
        url="http://127.0.0.1:9/geheimhausen-hook",
        secret="webhook-secret-geheimhausen",
    )

    a.secrets = [
        "Geheimhausen",
        "Geheim-Cart",
        "Geheim-Queued",
        "Geheim-Sent",
        "EXT-GEHEIM",
        "K-GEHEIM-4711",
        "Token-Geheimhausen-Empfang",
        "geheim-anna",
        a.user.get_username(),
        "GEHEIM-DOCUMENT-BYTES",
        "GEHEIM-SCAN-BYTES",
        "scan-geheim-rechts",
        str(a.attachment.pk),
        "geheimhausen-hook",
        "webhook-secret-geheimhausen",
        *(o.number for o in a.orders.values()),
        *(str(o.pk) for o in a.orders.values()),
    ]

    # --- B: master data with the same practice-software ids (F1, U1, ...) -------------------------
    r = b.api.put("/api/v1/masterdata", snapshot_for("Neugierig", sonora_number="K-NEU-1"))
    assert r.status_code == 200, r.json_body

    # --- partners ----------------------------------------------------------------------------------
    partner_tokens = {
        slug: PartnerToken.issue(partner=p, name=f"Test {slug}")[1] for slug, p in partners.items()
    }
    supplier_logins = {
        slug: _supplier_login(p, f"lieferant-{slug}") for slug, p in partners.items()
    }

    # --- A registration completed (its page is reachable by anyone who has the link) -------------
    from orderhub.accounts.models import Registration

    reg_r = ApiClient().post(
        "/api/v1/registrations", snapshot_for("Registriert", sonora_number="K-REG-1")
    )
    assert reg_r.status_code == 201, reg_r.json_body
    Registration.objects.filter(pk=reg_r.json_body["registration_id"]).update(
        status="completed", company=a.company
    )

    return World(
        a=a,
        b=b,
        partner_tokens=partner_tokens,
        supplier_logins=supplier_logins,
        sonora_import=CatalogImport.objects.filter(partner=partners["sonora"]).latest("pk"),
        registration_id=reg_r.json_body["registration_id"],
    )


@pytest.fixture
def b_cart(world):
    """B's own cart order, to pair with A's sub-objects (line, document) in nested URLs."""
    from orderhub.ordering.models import Order

    body = order_body("EXT-B-CART")
    body["lines"][0]["partner_article_number"] = "SN-NOPE"
    r = submit(world.b.api, body, key="b-cart")
    assert r.status_code == 201 and r.json_body["status"] == "cart", r.json_body
    return Order.objects.get(pk=r.json_body["id"])


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, called in-process by schemathesis (werkzeug test client).

    Django closes the database connection after every request when it is not in autocommit mode,
    which would end the test's transaction; its own test client disconnects that handler the same
    way.
    """
    from django.core.wsgi import get_wsgi_application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
