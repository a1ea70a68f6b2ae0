"""The complete isolation matrix: every route and API operation, accessed by the wrong tenant.

The list of routes comes from Django's URL resolver and the list of API operations from the Ninja
router, so a new page or endpoint fails ``test_every_route_and_operation_is_classified`` until it is
classified here, and fails the matrix tests until it has a probe. Company A owns everything the
``world`` fixture creates; company B (token and logged-in session), other partners' tokens and
other suppliers' logins try to read and change it:

* detail and action routes of A's objects must answer 403/404 (405 for GET on POST-only routes);
* list pages and list endpoints must answer without any of A's identifiers (order numbers and
  ids, external order ids, references, branch, user and token names, customer numbers, login
  names, document bytes);
* afterwards A's data is exactly as before.
"""

from __future__ import annotations

import uuid
from datetime import UTC

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from tests.conftest import ApiClient
from tests.ordering.conftest import order_body
from tests.security import apifuzz
from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# --- classification --------------------------------------------------------------------------------
# public: anyone; link: public to whoever holds the unguessable link; company: a company login;
# supplier: a supplier-portal login; operator: monitoring only; staff: Django admin (is_staff).

PAGES = {
    "": "public",
    "partner/": "public",
    "impressum/": "public",
    "datenschutz/": "public",
    "anmelden/": "public",
    "abmelden/": "public",
    "i18n/setlang/": "public",
    "registrierung/<uuid:registration_id>/": "link",
    "anmelden/zweiter-faktor/": "public",
    "passwort/vergessen/": "public",
    "passwort/vergessen/gesendet/": "public",
    "passwort/neu/fertig/": "public",
    "passwort/neu/<uidb64>/<token>/": "link",
    "einladung/<uidb64>/<token>/": "link",
    "dashboard/zugaenge/": "company",
    "dashboard/zugaenge/<int:pk>/": "company",
    "dashboard/konto/": "company",
    "dashboard/konto/passwort/": "company",
    "dashboard/konto/zwei-faktor/": "company",
    "dashboard/konto/zwei-faktor/aus/": "company",
    "dashboard/konto/benachrichtigungen/": "company",
    "dashboard/benachrichtigungen/": "company",
    "metrics": "operator",
    "dashboard/": "company",
    "dashboard/filialen/": "company",
    "dashboard/filialen/<int:pk>/": "company",
    "dashboard/benutzer/": "company",
    "dashboard/benutzer/<int:pk>/": "company",
    "dashboard/kundennummern/": "company",
    "dashboard/kundennummern/<int:pk>/": "company",
    "dashboard/kundennummern/<int:pk>/loeschen/": "company",
    "dashboard/kundennummern/<int:pk>/zuruecksetzen/": "company",
    "dashboard/konflikte/": "company",
    "dashboard/konflikte/<int:pk>/loesen/": "company",
    "dashboard/tokens/": "company",
    "dashboard/tokens/<int:pk>/widerrufen/": "company",
    "dashboard/protokoll/": "company",
    "dashboard/zuordnungen/": "company",
    "dashboard/zuordnungen/<int:pk>/loeschen/": "company",
    "dashboard/bestellungen/": "company",
    "dashboard/bestellungen/export.csv": "company",
    "dashboard/webhooks/": "company",
    "dashboard/bestellungen/<uuid:order_id>/": "company",
    "dashboard/bestellungen/<uuid:order_id>/erneut/": "company",
    "dashboard/bestellungen/<uuid:order_id>/rest-schliessen/": "company",
    "dashboard/bestellungen/<uuid:order_id>/wareneingang/": "company",
    "dashboard/bestellungen/<uuid:order_id>/aenderung/": "company",
    "dashboard/bestellungen/<uuid:order_id>/dokumente/<int:document_id>/": "company",
    "warenkorb/<uuid:order_id>/": "company",
    "warenkorb/<uuid:order_id>/bestellen/": "company",
    "warenkorb/<uuid:order_id>/kundennummer/": "company",
    "warenkorb/<uuid:order_id>/stornieren/": "company",
    "warenkorb/<uuid:order_id>/position/<int:line_id>/waehlen/": "company",
    "warenkorb/<uuid:order_id>/position/<int:line_id>/menge/": "company",
    "warenkorb/<uuid:order_id>/position/<int:line_id>/entfernen/": "company",
    "warenkorb/<uuid:order_id>/position/<int:line_id>/suche/": "company",
    "warenkorb/<uuid:order_id>/position/<int:line_id>/option/": "company",
    "warenkorb/<uuid:order_id>/anhaenge/": "company",
    "warenkorb/<uuid:order_id>/anhaenge/<int:link_id>/entfernen/": "company",
    "dashboard/bestellungen/<uuid:order_id>/anhaenge/<uuid:attachment_id>/": "company",
    "lieferant/bestellungen/<str:number>/anhaenge/<uuid:attachment_id>/": "supplier",
    # a signed, expiring link the partner's document carries (attachments/links.py)
    "anhaenge/<str:token>/": "link",
    "lieferant/": "supplier",
    "lieferant/bestellungen/<str:number>/": "supplier",
    "lieferant/bestellungen/<str:number>/antwort/": "supplier",
    "lieferant/bestellungen/<str:number>/aenderungen/<int:sequence>/": "supplier",
    "lieferant/bestellungen/<str:number>/dokumente/<int:document_id>/": "supplier",
    # the API's own Django routes besides the operations below
    "api/v1/": "public",
    "api/v1/openapi.json": "public",
    "api/v1/problems": "public",
    "api/v1/problems/<slug>": "public",
    "api/v1/docs": "public",
}
PAGE_PREFIXES = {"admin/": "staff"}

API = {
    ("GET", "/api/v1/partners"): "public",
    ("GET", "/api/v1/problems"): "public",
    ("GET", "/api/v1/problems/{slug}"): "public",
    ("POST", "/api/v1/registrations"): "public",
    ("POST", "/api/v1/registrations/{registration_id}/token"): "public",
    ("GET", "/api/v1/masterdata"): "company",
    ("PUT", "/api/v1/masterdata"): "company",
    ("GET", "/api/v1/catalog/search"): "company",
    ("GET", "/api/v1/orders"): "company",
    ("POST", "/api/v1/orders"): "company",
    ("GET", "/api/v1/orders/{order_id}"): "company",
    ("POST", "/api/v1/orders/{order_id}/cancel"): "company",
    ("POST", "/api/v1/orders/{order_id}/close-remainder"): "company",
    ("POST", "/api/v1/orders/{order_id}/receipts"): "company",
    ("POST", "/api/v1/orders/{order_id}/changes"): "company",
    ("GET", "/api/v1/orders/{order_id}/documents/{document_id}"): "company",
    ("POST", "/api/v1/attachments"): "company",
    ("GET", "/api/v1/attachments/{attachment_id}"): "company",
    ("GET", "/api/v1/attachments/{attachment_id}/content"): "company",
    ("GET", "/api/v1/orders/{order_id}/attachments"): "company",
    ("POST", "/api/v1/orders/{order_id}/attachments"): "company",
    ("POST", "/api/v1/partner/catalogs"): "partner",
    ("GET", "/api/v1/partner/catalogs/{import_id}"): "partner",
    ("POST", "/api/v1/partner/documents"): "partner",
}


def resolver_routes() -> dict[str, str]:
    """route pattern -> url name, for every Django URL pattern."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p.name

    return dict(walk(get_resolver().url_patterns))


def _api_path(route: str) -> str:
    """'api/v1/orders/<order_id>' -> '/api/v1/orders/{order_id}'."""
    import re

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def classify_page(route: str) -> str | None:
    if route in PAGES:
        return PAGES[route]
    for prefix, kind in PAGE_PREFIXES.items():
        if route.startswith(prefix):
            return kind
    if route.startswith("api/v1/") and any(path == _api_path(route) for _, path in API):
        return "api"
    return None


def test_every_route_and_operation_is_classified():
    routes = resolver_routes()
    unclassified = sorted(r for r in routes if classify_page(r) is None)
    assert unclassified == [], (
        f"classify these routes in tests/security/test_isolation_matrix.py: {unclassified}"
    )

    operations = {(o.method, o.path): o.auth for o in apifuzz.ninja_operations()}
    missing = sorted(set(operations) - set(API))
    assert missing == [], (
        f"classify these API operations in tests/security/test_isolation_matrix.py: {missing}"
    )
    # The classification agrees with the authentication the router really applies.
    wrong = {op: (API[op], auth) for op, auth in operations.items() if API[op] != auth}
    assert wrong == {}, f"(classified, actual) auth differs: {wrong}"


def test_login_protected_routes_send_anonymous_visitors_to_the_login(world):
    anonymous = Client()
    urls = [
        u
        for route, probes in page_probes(world).items()
        if PAGES.get(route) in ("company", "supplier")
        for _, u, _, _ in probes[:1]
    ]
    assert urls
    for url in urls:
        r = anonymous.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/anmelden/"), (url, r.status_code)


def test_admin_is_closed_to_company_and_supplier_logins(world):
    routes = [r for r in resolver_routes() if r.startswith("admin/")]
    concrete = ["/admin/"] + [
        "/" + r
        for r in routes
        if "<" not in r and r not in ("admin/", "admin/login/", "admin/logout/", "admin/jsi18n/")
    ]
    for login in (world.a.user, world.supplier_logins["sonora"]):
        c = Client()
        c.force_login(login)
        for url in concrete[:40]:
            r = c.get(url)
            assert r.status_code in (302, 403, 404), (url, r.status_code)
            if r.status_code == 302:
                assert r["Location"].startswith("/admin/login/"), (url, r["Location"])


# --- A's state, before and after -----------------------------------------------------------------


def state_of(tenant) -> dict:
    from orderhub.accounts.models import ApiToken, AuditEvent
    from orderhub.attachments.models import Attachment, OrderAttachment
    from orderhub.delivery.models import Delivery, Document
    from orderhub.masterdata.models import Branch, Conflict, CustomerNumber, Employee
    from orderhub.notifications.models import BranchAddress, EmployeeAllowance
    from orderhub.ordering.models import Order, OrderLine

    c = tenant.company
    return {
        "branches": list(Branch.objects.filter(company=c).order_by("pk").values()),
        "employees": list(Employee.objects.filter(company=c).order_by("pk").values()),
        "numbers": list(CustomerNumber.objects.filter(company=c).order_by("pk").values()),
        "conflicts": list(Conflict.objects.filter(company=c).order_by("pk").values()),
        "tokens": list(
            ApiToken.objects.filter(company=c).order_by("pk").values("pk", "name", "revoked_at")
        ),
        "orders": list(Order.objects.filter(company=c).order_by("pk").values()),
        "lines": list(OrderLine.objects.filter(order__company=c).order_by("pk").values()),
        "deliveries": list(Delivery.objects.filter(order__company=c).order_by("pk").values()),
        "documents": list(
            Document.objects.filter(order__company=c).order_by("pk").values("pk", "size")
        ),
        "audit": AuditEvent.objects.filter(company=c).count(),
        "attachments": list(Attachment.objects.filter(company=c).order_by("pk").values()),
        "attachment_links": list(
            OrderAttachment.objects.filter(order__company=c).order_by("pk").values()
        ),
        "notification_addresses": list(
            BranchAddress.objects.filter(branch__company=c).order_by("pk").values()
        ),
        "notification_allowances": list(
            EmployeeAllowance.objects.filter(employee__company=c).order_by("pk").values()
        ),
    }


def leaked(body, secrets, *, request_url: str = "") -> list[str]:
    """A's identifiers in ``body``, except those the request itself carried (echoed search terms, the
    ``instance`` member of a problem document)."""
    text = body if isinstance(body, str) else bytes(body).decode("utf-8", "replace")
    return [s for s in secrets if s and s in text and s not in request_url]


# --- pages with B's session --------------------------------------------------------------------


def page_probes(world, b_cart=None) -> dict[str, list[tuple[str, str, dict | None, str]]]:
    """route -> [(method, url, form data, kind)]; kind: "object" (refuse) | "list" (answer without A's data)."""
    from orderhub.masterdata.models import Branch, CustomerNumber, Employee

    a = world.a
    cart, queued, sent = a.orders["cart"], a.orders["queued"], a.orders["sent"]
    line = cart.lines.order_by("position").first()
    branch = Branch.objects.get(company=a.company, external_id="F1")
    employee = Employee.objects.get(company=a.company, external_id="U1")
    number = CustomerNumber.objects.filter(company=a.company).first()
    article = line.order.partner.articles.first()
    b_order = b_cart or cart
    from orderhub.catalog.models import ArticleMapping

    mapping, _ = ArticleMapping.objects.get_or_create(
        company=a.company,
        partner=line.order.partner,
        line_key="a" * 64,
        defaults={"line_label": "Hörer GEHEIM-A", "article": article, "created_by": "Benutzer a"},
    )
    probes = {
        "dashboard/": [("get", "/dashboard/", None, "list")],
        "dashboard/filialen/": [
            ("get", "/dashboard/filialen/", None, "list"),
            ("get", "/dashboard/filialen/?inaktiv=1&seite=2", None, "list"),
        ],
        "dashboard/filialen/<int:pk>/": [
            ("get", f"/dashboard/filialen/{branch.pk}/", None, "object"),
            (
                "post",
                f"/dashboard/filialen/{branch.pk}/",
                {"name": "Gekapert", "country": "DE"},
                "object",
            ),
        ],
        "dashboard/benutzer/": [
            ("get", "/dashboard/benutzer/", None, "list"),
            ("get", "/dashboard/benutzer/?q=Alma", None, "list"),
            ("get", "/dashboard/benutzer/?q=U1", None, "list"),
        ],
        "dashboard/benutzer/<int:pk>/": [
            ("get", f"/dashboard/benutzer/{employee.pk}/", None, "object"),
            ("post", f"/dashboard/benutzer/{employee.pk}/", {"name": "Gekapert"}, "object"),
        ],
        "dashboard/kundennummern/": [
            ("get", "/dashboard/kundennummern/", None, "list"),
            # B's own form, but naming A's branch: must not be accepted for it.
            (
                "post",
                "/dashboard/kundennummern/",
                {
                    "partner": line.order.partner.pk,
                    "branch": branch.pk,
                    "number": "B-AUF-A-FILIALE",
                },
                "list",
            ),
        ],
        "dashboard/kundennummern/<int:pk>/": [
            ("get", f"/dashboard/kundennummern/{number.pk}/", None, "object"),
            ("post", f"/dashboard/kundennummern/{number.pk}/", {"number": "GEKAPERT"}, "object"),
        ],
        "dashboard/kundennummern/<int:pk>/loeschen/": [
            ("get", f"/dashboard/kundennummern/{number.pk}/loeschen/", None, "object"),
            ("post", f"/dashboard/kundennummern/{number.pk}/loeschen/", {"confirm": "1"}, "object"),
        ],
        "dashboard/kundennummern/<int:pk>/zuruecksetzen/": [
            ("get", f"/dashboard/kundennummern/{number.pk}/zuruecksetzen/", None, "object"),
            (
                "post",
                f"/dashboard/kundennummern/{number.pk}/zuruecksetzen/",
                {"confirm": "1"},
                "object",
            ),
        ],
        "dashboard/konflikte/": [("get", "/dashboard/konflikte/", None, "list")],
        "dashboard/konflikte/<int:pk>/loesen/": [
            ("get", f"/dashboard/konflikte/{a.conflict.pk}/loesen/", None, "object"),
            (
                "post",
                f"/dashboard/konflikte/{a.conflict.pk}/loesen/",
                {"resolution": "take_source"},
                "object",
            ),
        ],
        "dashboard/tokens/": [("get", "/dashboard/tokens/", None, "list")],
        "dashboard/tokens/<int:pk>/widerrufen/": [
            ("get", f"/dashboard/tokens/{a.token_row.pk}/widerrufen/", None, "object"),
            ("post", f"/dashboard/tokens/{a.token_row.pk}/widerrufen/", {}, "object"),
        ],
        "dashboard/protokoll/": [
            ("get", "/dashboard/protokoll/", None, "list"),
            ("get", "/dashboard/protokoll/?seite=999", None, "list"),
        ],
        "dashboard/zuordnungen/": [("get", "/dashboard/zuordnungen/", None, "list")],
        "dashboard/zuordnungen/<int:pk>/loeschen/": [
            ("get", f"/dashboard/zuordnungen/{mapping.pk}/loeschen/", None, "object"),
            ("post", f"/dashboard/zuordnungen/{mapping.pk}/loeschen/", {}, "object"),
        ],
        "dashboard/bestellungen/": [
            ("get", "/dashboard/bestellungen/", None, "list"),
            ("get", f"/dashboard/bestellungen/?q={cart.number}", None, "list"),
            (
                "get",
                "/dashboard/bestellungen/?q=EXT-GEHEIM&status=cart&partner=sonora",
                None,
                "list",
            ),
            ("get", "/dashboard/bestellungen/?status=queued", None, "list"),
        ],
        "dashboard/bestellungen/export.csv": [
            ("get", "/dashboard/bestellungen/export.csv", None, "list"),
            ("get", "/dashboard/bestellungen/export.csv?status=cart", None, "list"),
        ],
        "dashboard/webhooks/": [
            ("get", "/dashboard/webhooks/", None, "list"),
            ("post", "/dashboard/webhooks/", {"deactivate": a.webhook.pk}, "object"),
        ],
        "dashboard/bestellungen/<uuid:order_id>/": [
            ("get", f"/dashboard/bestellungen/{o.pk}/", None, "object")
            for o in (cart, queued, sent)
        ],
        "dashboard/bestellungen/<uuid:order_id>/erneut/": [
            ("get", f"/dashboard/bestellungen/{queued.pk}/erneut/", None, "object"),
            ("post", f"/dashboard/bestellungen/{queued.pk}/erneut/", {}, "object"),
        ],
        "dashboard/bestellungen/<uuid:order_id>/rest-schliessen/": [
            ("post", f"/dashboard/bestellungen/{o.pk}/rest-schliessen/", {}, "object")
            for o in (queued, sent)
        ],
        "dashboard/bestellungen/<uuid:order_id>/wareneingang/": [
            ("post", f"/dashboard/bestellungen/{o.pk}/wareneingang/", {"qty-1": "1"}, "object")
            for o in (queued, sent)
        ],
        "dashboard/bestellungen/<uuid:order_id>/aenderung/": [
            ("post", f"/dashboard/bestellungen/{o.pk}/aenderung/", body, "object")
            for o in (queued, sent)
            for body in ({"action": "cancel"}, {"action": "change", "qty-1": "5"})
        ],
        "dashboard/bestellungen/<uuid:order_id>/dokumente/<int:document_id>/": [
            (
                "get",
                f"/dashboard/bestellungen/{queued.pk}/dokumente/{a.document.pk}/",
                None,
                "object",
            ),
            (
                "get",
                f"/dashboard/bestellungen/{b_order.pk}/dokumente/{a.document.pk}/",
                None,
                "object",
            ),
        ],
        "warenkorb/<uuid:order_id>/": [
            ("get", f"/warenkorb/{o.pk}/", None, "object") for o in (cart, queued)
        ],
        "warenkorb/<uuid:order_id>/bestellen/": [
            ("get", f"/warenkorb/{cart.pk}/bestellen/", None, "object"),
            ("post", f"/warenkorb/{cart.pk}/bestellen/", {}, "object"),
        ],
        "warenkorb/<uuid:order_id>/kundennummer/": [
            ("get", f"/warenkorb/{cart.pk}/kundennummer/", None, "object"),
            (
                "post",
                f"/warenkorb/{cart.pk}/kundennummer/",
                {"customer_number": "GEKAPERT", "save": "1", "scope": "branch"},
                "object",
            ),
        ],
        "warenkorb/<uuid:order_id>/stornieren/": [
            ("get", f"/warenkorb/{cart.pk}/stornieren/", None, "object"),
            ("post", f"/warenkorb/{cart.pk}/stornieren/", {"confirm": "1"}, "object"),
        ],
        "warenkorb/<uuid:order_id>/position/<int:line_id>/waehlen/": [
            (
                "post",
                f"/warenkorb/{cart.pk}/position/{line.pk}/waehlen/",
                {"article_id": article.pk},
                "object",
            ),
            (
                "post",
                f"/warenkorb/{b_order.pk}/position/{line.pk}/waehlen/",
                {"article_id": article.pk},
                "object",
            ),
        ],
        "warenkorb/<uuid:order_id>/position/<int:line_id>/menge/": [
            (
                "post",
                f"/warenkorb/{cart.pk}/position/{line.pk}/menge/",
                {"quantity": "99"},
                "object",
            ),
            (
                "post",
                f"/warenkorb/{b_order.pk}/position/{line.pk}/menge/",
                {"quantity": "99"},
                "object",
            ),
        ],
        "warenkorb/<uuid:order_id>/position/<int:line_id>/entfernen/": [
            ("post", f"/warenkorb/{cart.pk}/position/{line.pk}/entfernen/", {}, "object"),
            ("post", f"/warenkorb/{b_order.pk}/position/{line.pk}/entfernen/", {}, "object"),
        ],
        "warenkorb/<uuid:order_id>/position/<int:line_id>/suche/": [
            ("get", f"/warenkorb/{cart.pk}/position/{line.pk}/suche/?q=Dome", None, "object"),
            ("get", f"/warenkorb/{b_order.pk}/position/{line.pk}/suche/?q=Dome", None, "object"),
        ],
        "warenkorb/<uuid:order_id>/position/<int:line_id>/option/": [
            (
                "post",
                f"/warenkorb/{cart.pk}/position/{line.pk}/option/",
                {"alternative": "0"},
                "object",
            ),
            (
                "post",
                f"/warenkorb/{b_order.pk}/position/{line.pk}/option/",
                {"alternative": "0"},
                "object",
            ),
        ],
        "dashboard/zugaenge/": [("get", "/dashboard/zugaenge/", None, "list")],
        "dashboard/zugaenge/<int:pk>/": [
            ("get", f"/dashboard/zugaenge/{a.user.account.pk}/", None, "object"),
            (
                "post",
                f"/dashboard/zugaenge/{a.user.account.pk}/",
                {"role": "read_only", "active": ""},
                "object",
            ),
            ("post", f"/dashboard/zugaenge/{a.user.account.pk}/", {"resend": "1"}, "object"),
        ],
        "dashboard/konto/": [("get", "/dashboard/konto/", None, "list")],
        "dashboard/konto/passwort/": [("get", "/dashboard/konto/passwort/", None, "list")],
        "dashboard/konto/zwei-faktor/": [("get", "/dashboard/konto/zwei-faktor/", None, "list")],
        "dashboard/konto/zwei-faktor/aus/": [
            ("post", "/dashboard/konto/zwei-faktor/aus/", {"code": "123456"}, "list")
        ],
        # B's own settings; A's branch and employee named in the form are not B's and ignored.
        "dashboard/konto/benachrichtigungen/": [
            ("get", "/dashboard/konto/benachrichtigungen/", None, "list"),
            ("post", "/dashboard/konto/benachrichtigungen/", {"language": "en"}, "list"),
        ],
        "dashboard/benachrichtigungen/": [
            ("get", "/dashboard/benachrichtigungen/", None, "list"),
            (
                "post",
                "/dashboard/benachrichtigungen/",
                {
                    "language": "en",
                    f"branch-{branch.pk}": "gekapert@neugierig.example",
                    f"employee-{employee.pk}": "on",
                },
                "list",
            ),
        ],
        "lieferant/": [("get", "/lieferant/", None, "list")],
        "lieferant/bestellungen/<str:number>/": [
            ("get", f"/lieferant/bestellungen/{sent.number}/", None, "object")
        ],
        "lieferant/bestellungen/<str:number>/antwort/": [
            (
                "post",
                f"/lieferant/bestellungen/{sent.number}/antwort/",
                {"action": "reject"},
                "object",
            )
        ],
        "lieferant/bestellungen/<str:number>/aenderungen/<int:sequence>/": [
            (
                "post",
                f"/lieferant/bestellungen/{sent.number}/aenderungen/1/",
                {"decision": "accept"},
                "object",
            )
        ],
        "lieferant/bestellungen/<str:number>/dokumente/<int:document_id>/": [
            (
                "get",
                f"/lieferant/bestellungen/{sent.number}/dokumente/{a.document.pk}/",
                None,
                "object",
            )
        ],
        "lieferant/bestellungen/<str:number>/anhaenge/<uuid:attachment_id>/": [
            (
                "get",
                f"/lieferant/bestellungen/{sent.number}/anhaenge/{a.attachment.pk}/",
                None,
                "object",
            )
        ],
        "warenkorb/<uuid:order_id>/anhaenge/": [
            ("post", f"/warenkorb/{cart.pk}/anhaenge/", {"text": "GEKAPERT-123"}, "object"),
            # B's own cart, naming A's stored scan: refused at the form, nothing of A's shown.
            (
                "post",
                f"/warenkorb/{b_order.pk}/anhaenge/",
                {"attachment_id": str(a.attachment.pk)},
                "list",
            ),
        ],
        "warenkorb/<uuid:order_id>/anhaenge/<int:link_id>/entfernen/": [
            ("post", f"/warenkorb/{cart.pk}/anhaenge/{a.cart_link.pk}/entfernen/", {}, "object"),
            (
                "post",
                f"/warenkorb/{b_order.pk}/anhaenge/{a.cart_link.pk}/entfernen/",
                {},
                "object",
            ),
        ],
        "dashboard/bestellungen/<uuid:order_id>/anhaenge/<uuid:attachment_id>/": [
            (
                "get",
                f"/dashboard/bestellungen/{sent.pk}/anhaenge/{a.attachment.pk}/",
                None,
                "object",
            ),
            (
                "get",
                f"/dashboard/bestellungen/{b_order.pk}/anhaenge/{a.attachment.pk}/",
                None,
                "object",
            ),
        ],
    }
    return probes


def _run_page_probes(client: Client, probes, secrets, *, kinds=("company",), routes=None):
    failures = []
    for route, entries in probes.items():
        if PAGES.get(route) not in kinds or (routes is not None and route not in routes):
            continue
        for method, url, data, kind in entries:
            r = getattr(client, method)(url, data or {})
            body = b"".join(r.streaming_content) if r.streaming else r.content
            if kind == "object":
                ok = r.status_code in (403, 404) or (method == "get" and r.status_code == 405)
            else:
                ok = r.status_code in (200, 302)
            found = leaked(body, secrets, request_url=url)
            if r.status_code == 302:
                found += leaked(r["Location"], secrets, request_url=url)
            if not ok or found:
                failures.append(f"{method.upper()} {url} -> {r.status_code}, leaked {found}")
    return failures


def test_company_pages_with_another_companys_session(world, b_cart):
    routes = resolver_routes()
    probes = page_probes(world, b_cart)
    company_routes = {r for r in routes if PAGES.get(r) == "company"}
    assert company_routes - set(probes) == set(), (
        f"no probe for {sorted(company_routes - set(probes))}"
    )

    before = state_of(world.a)
    failures = _run_page_probes(
        world.b.browser, probes, world.a.secrets, kinds=("company",), routes=company_routes
    )
    assert failures == [], "\n".join(failures)
    assert state_of(world.a) == before, "company B changed company A's data through the dashboard"
    _no_foreign_attachment_links(world)

    from orderhub.masterdata.models import CustomerNumber

    assert not CustomerNumber.objects.filter(
        number="B-AUF-A-FILIALE", branch__company=world.a.company
    ).exists()
    assert (
        not CustomerNumber.objects.filter(number="B-AUF-A-FILIALE")
        .exclude(company=world.b.company)
        .exists()
    )


def test_company_pages_with_a_supplier_login(world):
    """A supplier login is no company login: every company page sends it away without A's data."""
    supplier = Client()
    supplier.force_login(world.supplier_logins["sonora"])
    failures = []
    for route, entries in page_probes(world).items():
        if PAGES.get(route) != "company":
            continue
        for method, url, data, _ in entries:
            r = getattr(supplier, method)(url, data or {})
            found = leaked(b"" if r.streaming else r.content, world.a.secrets, request_url=url)
            if r.status_code not in (302, 403, 404, 405) or found:
                failures.append(f"{method.upper()} {url} -> {r.status_code}, leaked {found}")
            if r.status_code == 302 and not r["Location"].startswith("/lieferant/"):
                failures.append(f"{method.upper()} {url} -> redirect to {r['Location']}")
    assert failures == [], "\n".join(failures)


def test_public_pages_show_no_company_data(world):
    secrets = [*world.a.secrets, "Registriert"]
    anonymous = Client()
    routes = resolver_routes()
    public = [r for r in routes if PAGES.get(r) == "public" and "<" not in r]
    failures = []
    for route in public:
        r = anonymous.get("/" + route)
        if r.status_code >= 500 or leaked(r.content, secrets):
            failures.append(f"/{route} -> {r.status_code}, leaked {leaked(r.content, secrets)}")
    # The registration link of a finished registration shows nothing of the company any more.
    r = anonymous.get(f"/registrierung/{world.registration_id}/")
    if r.status_code != 410 or leaked(r.content, secrets):
        failures.append(
            f"finished registration page -> {r.status_code}, leaked {leaked(r.content, secrets)}"
        )
    r = anonymous.get(f"/registrierung/{uuid.uuid4()}/")
    if r.status_code != 404:
        failures.append(f"unknown registration page -> {r.status_code}")
    assert failures == [], "\n".join(failures)


def test_metrics_are_for_the_operator_only(world):
    if "metrics" not in resolver_routes():
        pytest.skip("no /metrics route")
    from_outside = Client(REMOTE_ADDR="198.51.100.20")
    for client in (from_outside, world.b.browser):
        client.defaults["REMOTE_ADDR"] = "198.51.100.20"
        r = client.get("/metrics", headers={"Authorization": f"Bearer {world.b.token}"})
        assert r.status_code in (401, 403, 404), r.status_code
    r = Client().get("/metrics")  # loopback (the test client's default address)
    assert r.status_code == 200
    assert leaked(r.content, [*world.a.secrets, "Neugierig", str(world.a.company.pk)]) == []


# --- API with B's token ------------------------------------------------------------------------


def api_probes(world, b_cart) -> dict[tuple[str, str], list[tuple[str, str, object, dict, str]]]:
    """(method, path) -> [(method, url, json body, headers, kind)];
    kind: "object" (404), "list" (2xx without A's data), "own" (B acts on B; A unaffected), "refuse" (4xx)."""
    a = world.a
    cart, queued, sent = a.orders["cart"], a.orders["queued"], a.orders["sent"]
    a_cart_body = order_body("EXT-GEHEIM-CART", reference="Kommission Geheim-Cart")
    a_cart_body["lines"][0]["partner_article_number"] = "SN-DOES-NOT-EXIST"
    from tests.security.conftest import snapshot_for

    return {
        ("GET", "/api/v1/partners"): [("get", "/api/v1/partners", None, {}, "list")],
        # The problem vocabulary is the same for everyone (no company data in it).
        ("GET", "/api/v1/problems"): [("get", "/api/v1/problems", None, {}, "list")],
        ("GET", "/api/v1/problems/{slug}"): [
            ("get", "/api/v1/problems/not-found", None, {}, "list")
        ],
        ("POST", "/api/v1/registrations"): [
            (
                "post",
                "/api/v1/registrations",
                snapshot_for("Neugierig", sonora_number="K-NEU-2"),
                {},
                "own",
            )
        ],
        ("POST", "/api/v1/registrations/{registration_id}/token"): [
            (
                "post",
                f"/api/v1/registrations/{world.registration_id}/token",
                {"poll_token": "geraten"},
                {},
                "refuse",
            )
        ],
        ("GET", "/api/v1/masterdata"): [("get", "/api/v1/masterdata", None, {}, "list")],
        ("PUT", "/api/v1/masterdata"): [
            # Same practice-software ids as A (F1, F2, U1, U2): B's records, never A's.
            (
                "put",
                "/api/v1/masterdata",
                snapshot_for("Neugierig", sonora_number="K-NEU-3"),
                {},
                "own",
            )
        ],
        ("GET", "/api/v1/catalog/search"): [
            ("get", "/api/v1/catalog/search?partner=sonora&q=EXT-GEHEIM-CART", None, {}, "list"),
            ("get", f"/api/v1/catalog/search?partner=sonora&q={cart.number}", None, {}, "list"),
        ],
        ("GET", "/api/v1/orders"): [
            ("get", "/api/v1/orders", None, {}, "list"),
            (
                "get",
                "/api/v1/orders?status=cart,queued,sent&updated_since=2000-01-01T00:00:00Z",
                None,
                {},
                "list",
            ),
            ("get", "/api/v1/orders?limit=500", None, {}, "list"),
        ],
        ("POST", "/api/v1/orders"): [
            # A's idempotency key and A's external order id, sent by B: B gets its own new order.
            ("post", "/api/v1/orders", a_cart_body, {"Idempotency-Key": "idem-geheim-cart"}, "own"),
            (
                "post",
                "/api/v1/orders",
                order_body("EXT-GEHEIM-QUEUED"),
                {"Idempotency-Key": "idem-geheim-q"},
                "own",
            ),
        ],
        ("GET", "/api/v1/orders/{order_id}"): [
            ("get", f"/api/v1/orders/{o.pk}", None, {}, "object") for o in (cart, queued, sent)
        ],
        ("POST", "/api/v1/orders/{order_id}/cancel"): [
            ("post", f"/api/v1/orders/{o.pk}/cancel", None, {}, "object") for o in (cart, queued)
        ],
        ("POST", "/api/v1/orders/{order_id}/close-remainder"): [
            ("post", f"/api/v1/orders/{o.pk}/close-remainder", None, {}, "object")
            for o in (queued, sent)
        ],
        ("POST", "/api/v1/orders/{order_id}/receipts"): [
            (
                "post",
                f"/api/v1/orders/{o.pk}/receipts",
                {"lines": [{"position": 1, "quantity": 1}]},
                {},
                "object",
            )
            for o in (queued, sent)
        ],
        ("POST", "/api/v1/orders/{order_id}/changes"): [
            ("post", f"/api/v1/orders/{o.pk}/changes", body, {}, "object")
            for o in (queued, sent)
            for body in ({"kind": "cancel"}, {"lines": [{"position": 1, "quantity": 5}]})
        ],
        ("GET", "/api/v1/orders/{order_id}/documents/{document_id}"): [
            ("get", f"/api/v1/orders/{queued.pk}/documents/{a.document.pk}", None, {}, "object"),
            ("get", f"/api/v1/orders/{b_cart.pk}/documents/{a.document.pk}", None, {}, "object"),
        ],
        # B's own upload (a JSON body is no multipart upload: refused, nothing stored for A).
        ("POST", "/api/v1/attachments"): [
            ("post", "/api/v1/attachments", {"text": "B-123"}, {}, "own")
        ],
        ("GET", "/api/v1/attachments/{attachment_id}"): [
            ("get", f"/api/v1/attachments/{a.attachment.pk}", None, {}, "object")
        ],
        ("GET", "/api/v1/attachments/{attachment_id}/content"): [
            ("get", f"/api/v1/attachments/{a.attachment.pk}/content", None, {}, "object")
        ],
        ("GET", "/api/v1/orders/{order_id}/attachments"): [
            ("get", f"/api/v1/orders/{o.pk}/attachments", None, {}, "object") for o in (cart, sent)
        ],
        ("POST", "/api/v1/orders/{order_id}/attachments"): [
            (
                "post",
                f"/api/v1/orders/{cart.pk}/attachments",
                {"attachment_id": str(a.attachment.pk)},
                {},
                "object",
            ),
            # B's own cart, A's scan: a 422 naming attachment_id, not a link to A's file.
            (
                "post",
                f"/api/v1/orders/{b_cart.pk}/attachments",
                {"attachment_id": str(a.attachment.pk)},
                {},
                "refuse",
            ),
        ],
        ("POST", "/api/v1/partner/catalogs"): [
            ("post", "/api/v1/partner/catalogs", None, {}, "refuse")
        ],
        ("GET", "/api/v1/partner/catalogs/{import_id}"): [
            ("get", f"/api/v1/partner/catalogs/{world.sonora_import.pk}", None, {}, "refuse")
        ],
        ("POST", "/api/v1/partner/documents"): [
            ("post", "/api/v1/partner/documents", {"order_number": sent.number}, {}, "refuse")
        ],
    }


def _run_api_probes(client: ApiClient, probes, secrets):
    failures = []
    for op, entries in probes.items():
        for method, url, body, headers, kind in entries:
            r = client.request(method.upper(), url, body, headers=headers)
            expected = {
                "object": lambda s: s == 404,
                "list": lambda s: s == 200,
                "own": lambda s: s in (200, 201, 409, 422),
                "refuse": lambda s: 400 <= s < 500,
            }[kind]
            found = leaked(r.content, secrets, request_url=url)
            if not expected(r.status_code) or found or r.status_code >= 500:
                failures.append(
                    f"{method.upper()} {url} ({op[1]}) -> {r.status_code}, leaked {found}: "
                    f"{r.content[:200]!r}"
                )
    return failures


def test_api_with_another_companys_token(world, b_cart):
    probes = api_probes(world, b_cart)
    operations = {(o.method, o.path) for o in apifuzz.ninja_operations()}
    assert operations - set(probes) == set(), f"no API probe for {sorted(operations - set(probes))}"

    before = state_of(world.a)
    failures = _run_api_probes(world.b.api, probes, world.a.secrets)
    assert failures == [], "\n".join(failures)
    assert state_of(world.a) == before, "company B changed company A's data through the API"
    _no_foreign_attachment_links(world)


def _no_foreign_attachment_links(world):
    """B named A's stored scan on its own cart: refused, so no order of B carries A's file."""
    from orderhub.attachments.models import OrderAttachment

    assert (
        not OrderAttachment.objects.filter(attachment=world.a.attachment)
        .exclude(order__company=world.a.company)
        .exists()
    )


def test_api_with_partner_tokens_reaches_no_company_data(world, b_cart):
    """Partner tokens on company endpoints are 401 — every partner, every company operation."""
    probes = api_probes(world, b_cart)
    failures = []
    for slug, token in world.partner_tokens.items():
        client = ApiClient(token)
        for op, entries in probes.items():
            if API[op] != "company":
                continue
            for method, url, body, headers, _ in entries:
                r = client.request(method.upper(), url, body, headers=headers)
                if r.status_code != 401 or leaked(r.content, world.a.secrets, request_url=url):
                    failures.append(f"{slug}: {method.upper()} {url} -> {r.status_code}")
    assert failures == [], "\n".join(failures)


def test_revoked_and_deactivated_credentials_are_refused(world):
    from orderhub.accounts.models import ApiToken
    from orderhub.partners.models import Partner

    ApiToken.objects.get(
        company=world.a.company, name="Test"
    ).revoke()  # the token world.a.api uses
    assert world.a.api.get("/api/v1/orders").status_code == 401
    world.b.company.is_active = False
    world.b.company.save()
    assert world.b.api.get("/api/v1/masterdata").status_code == 401
    Partner.objects.filter(slug="audiotec").update(is_active=False)
    r = ApiClient(world.partner_tokens["audiotec"]).get(
        f"/api/v1/partner/catalogs/{world.sonora_import.pk}"
    )
    assert r.status_code == 401


# --- partners against each other --------------------------------------------------------------------


def test_partner_cannot_read_another_partners_import_job(world):
    job = world.sonora_import
    own = ApiClient(world.partner_tokens["sonora"]).get(f"/api/v1/partner/catalogs/{job.pk}")
    assert own.status_code == 200  # control
    for slug in ("audiotec", "otoplast"):
        r = ApiClient(world.partner_tokens[slug]).get(f"/api/v1/partner/catalogs/{job.pk}")
        assert r.status_code == 404, (slug, r.status_code, r.content[:200])
        assert job.file_name not in r.content.decode()


@pytest.mark.parametrize("fmt", ["json", "opentrans"])
def test_partner_cannot_answer_another_partners_order(world, fmt):
    from datetime import datetime
    from decimal import Decimal

    from orderhub.delivery.models import Document
    from orderhub.formats import partner_json
    from orderhub.formats.documents import AnswerLine, PartnerAnswer
    from orderhub.formats.opentrans.partner import write_order_response

    order = world.a.orders["sent"]  # sent to sonora
    answer = PartnerAnswer(
        kind="order_response",
        order_number=order.number,
        document_id="FREMD-1",
        issued_at=datetime.now(UTC),
        lines=[AnswerLine(line_no=1, status="rejected", quantity=Decimal(0))],
    )
    body, content_type = (
        (partner_json.write_answer(answer), "application/json")
        if fmt == "json"
        else (write_order_response(answer), "application/xml")
    )
    for slug in ("audiotec", "otoplast"):
        r = ApiClient(world.partner_tokens[slug]).post(
            "/api/v1/partner/documents", raw=body, content_type=content_type
        )
        assert r.status_code == 404, (slug, r.status_code, r.content[:300])  # as an unknown number
        assert r["Content-Type"].startswith("application/problem+json")
        assert leaked(r.content, [order.customer_number, "Geheimhausen", str(order.pk)]) == []
    order.refresh_from_db()
    assert order.status == "sent"
    assert not Document.objects.filter(order=order, direction="inbound").exists()

    # A dispatch notification is just as foreign.
    answer.kind, answer.document_id = "dispatch_notification", "FREMD-2"
    answer.lines = [AnswerLine(line_no=1, status="shipped", quantity=Decimal(2))]
    r = ApiClient(world.partner_tokens["audiotec"]).post(
        "/api/v1/partner/documents",
        raw=partner_json.write_answer(answer),
        content_type="application/json",
    )
    assert r.status_code == 404  # like an unknown number: nothing tells it exists
    order.refresh_from_db()
    assert order.status == "sent"

    # Control: the right partner may answer.
    answer.kind, answer.document_id = "order_response", "EIGEN-1"
    answer.lines = [AnswerLine(line_no=1, status="confirmed", quantity=Decimal(2))]
    r = ApiClient(world.partner_tokens["sonora"]).post(
        "/api/v1/partner/documents",
        raw=partner_json.write_answer(answer),
        content_type="application/json",
    )
    assert r.status_code == 202, r.content[:300]


# --- supplier portal ------------------------------------------------------------------------------


def test_supplier_portal_shows_a_partner_only_its_own_orders(world):
    from orderhub.ordering.models import Order

    sent = world.a.orders["sent"]  # sonora's
    own = Client()
    own.force_login(world.supplier_logins["sonora"])
    assert sent.number in own.get("/lieferant/").content.decode()  # control: sonora sees it
    assert own.get(f"/lieferant/bestellungen/{sent.number}/").status_code == 200
    # Orders not yet sent (cart, queued) are not shown even to their partner.
    for key in ("cart", "queued"):
        assert own.get(f"/lieferant/bestellungen/{world.a.orders[key].number}/").status_code == 404

    other = Client()
    other.force_login(world.supplier_logins["otoplast"])
    before = state_of(world.a)
    failures = _run_page_probes(other, page_probes(world), world.a.secrets, kinds=("supplier",))
    for status in ("", "sent", "confirmed"):
        r = other.get(f"/lieferant/?status={status}")
        if leaked(r.content, world.a.secrets):
            failures.append(
                f"/lieferant/?status={status} leaked {leaked(r.content, world.a.secrets)}"
            )
    for action in ("confirm", "ship"):
        r = other.post(
            f"/lieferant/bestellungen/{sent.number}/antwort/",
            {"action": action, "tracking_numbers": "X1"},
        )
        if r.status_code != 404:
            failures.append(f"answer {action} as otoplast -> {r.status_code}")
    assert failures == [], "\n".join(failures)
    assert state_of(world.a) == before
    assert Order.objects.get(pk=sent.pk).status == "sent"


def test_supplier_portal_is_closed_to_company_logins(world):
    """A company login (even the ordering company's own) is not a supplier: 403 on every supplier page."""
    failures = []
    for route, entries in page_probes(world).items():
        if PAGES.get(route) != "supplier":
            continue
        for method, url, data, _ in entries:
            r = getattr(world.a.browser, method)(url, data or {})
            if r.status_code != 403:
                failures.append(f"company login {method.upper()} {url} -> {r.status_code}")
    assert failures == [], "\n".join(failures)
    assert world.a.orders["sent"].status == "sent"


def test_supplier_password_login_lands_in_the_portal(world):
    user = world.supplier_logins["otoplast"]
    user.set_password(PASSWORD)
    user.save()
    c = Client()
    r = c.post("/anmelden/", {"username": user.username, "password": PASSWORD})
    assert r.status_code == 302
    r = c.get("/dashboard/")
    assert r.status_code == 302 and r["Location"].startswith("/lieferant/")
