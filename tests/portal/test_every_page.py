"""Every page a person can reach, in German and in English, in a real browser 390 px wide.

The pages come from Django's URL resolver, so a new page fails
``test_every_page_is_visited_or_skipped_for_a_reason`` until it is listed in ``PAGES`` (with the
login that reaches it) or in ``SKIPPED`` (with the reason). Each page is rendered in a world with
orders in several states (cart, sent, answered with a backorder, shipped, a delivery that failed
and then succeeded), an audit trail, an open conflict and a supplier login, and fails on:

* developer strings in the visible text: event codes (``masterdata.synced``), dict or JSON reprs,
  status codes joined by ``→``, snake_case codes, messages in both languages ("DE / EN"), German
  sentences on the English page and English ones on the German page (common words);
* a page wider than the 390 px viewport (``document.scrollingElement.scrollWidth``);
* a serious or critical axe-core violation (axe-core from npm, ``tests/a11y``, injected here).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLResolver, get_resolver

from tests.conftest import ApiClient
from tests.delivery.conftest import mark_sent
from tests.ordering.conftest import order_body, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[1] / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
WIDTH = 390

# --- which page, with whose login -----------------------------------------------------------------
# route -> (login, url builder); login: "anonymous", "admin" (the company's administrator),
# "supplier" (Sonora's supplier portal), "invited" (a login without a company page yet).

PAGES = {
    "": ("anonymous", lambda w: "/"),
    "partner/": ("anonymous", lambda w: "/partner/"),
    "impressum/": ("anonymous", lambda w: "/impressum/"),
    "datenschutz/": ("anonymous", lambda w: "/datenschutz/"),
    "anmelden/": ("anonymous", lambda w: "/anmelden/"),
    "anmelden/zweiter-faktor/": ("admin", lambda w: "/anmelden/zweiter-faktor/"),
    "passwort/vergessen/": ("anonymous", lambda w: "/passwort/vergessen/"),
    "passwort/vergessen/gesendet/": ("anonymous", lambda w: "/passwort/vergessen/gesendet/"),
    "passwort/neu/<uidb64>/<token>/": ("anonymous", lambda w: w.reset_path),
    "passwort/neu/fertig/": ("anonymous", lambda w: "/passwort/neu/fertig/"),
    "einladung/<uidb64>/<token>/": ("anonymous", lambda w: w.invitation_path),
    "registrierung/<uuid:registration_id>/": (
        "anonymous",
        lambda w: f"/registrierung/{w.registration_id}/",
    ),
    "dashboard/": ("admin", lambda w: "/dashboard/"),
    "dashboard/bestellungen/": ("admin", lambda w: "/dashboard/bestellungen/"),
    "dashboard/bestellungen/<uuid:order_id>/": (
        "admin",
        lambda w: [f"/dashboard/bestellungen/{o.pk}/" for o in w.orders.values()],
    ),
    "dashboard/filialen/": ("admin", lambda w: "/dashboard/filialen/"),
    "dashboard/filialen/<int:pk>/": ("admin", lambda w: f"/dashboard/filialen/{w.branch.pk}/"),
    "dashboard/benutzer/": ("admin", lambda w: "/dashboard/benutzer/"),
    "dashboard/benutzer/<int:pk>/": ("admin", lambda w: f"/dashboard/benutzer/{w.employee.pk}/"),
    "dashboard/kundennummern/": ("admin", lambda w: "/dashboard/kundennummern/"),
    "dashboard/kundennummern/<int:pk>/": (
        "admin",
        lambda w: f"/dashboard/kundennummern/{w.customer_number.pk}/",
    ),
    "dashboard/kundennummern/<int:pk>/loeschen/": (
        "admin",
        lambda w: f"/dashboard/kundennummern/{w.customer_number.pk}/loeschen/",
    ),
    "dashboard/kundennummern/<int:pk>/zuruecksetzen/": (
        "admin",
        lambda w: f"/dashboard/kundennummern/{w.customer_number.pk}/zuruecksetzen/",
    ),
    "dashboard/konflikte/": ("admin", lambda w: "/dashboard/konflikte/"),
    "dashboard/benachrichtigungen/": ("admin", lambda w: "/dashboard/benachrichtigungen/"),
    "dashboard/konto/benachrichtigungen/": (
        "admin",
        lambda w: "/dashboard/konto/benachrichtigungen/",
    ),
    "dashboard/tokens/": ("admin", lambda w: "/dashboard/tokens/"),
    "dashboard/tokens/<int:pk>/widerrufen/": (
        "admin",
        lambda w: f"/dashboard/tokens/{w.token_row.pk}/widerrufen/",
    ),
    "dashboard/protokoll/": ("admin", lambda w: "/dashboard/protokoll/"),
    "dashboard/zuordnungen/": ("admin", lambda w: "/dashboard/zuordnungen/"),
    "dashboard/webhooks/": ("admin", lambda w: "/dashboard/webhooks/"),
    "dashboard/zugaenge/": ("admin", lambda w: "/dashboard/zugaenge/"),
    "dashboard/konto/": ("admin", lambda w: "/dashboard/konto/"),
    "dashboard/konto/passwort/": ("admin", lambda w: "/dashboard/konto/passwort/"),
    "dashboard/konto/zwei-faktor/": ("admin", lambda w: "/dashboard/konto/zwei-faktor/"),
    "warenkorb/<uuid:order_id>/": ("admin", lambda w: f"/warenkorb/{w.orders['cart'].pk}/"),
    "lieferant/": ("supplier", lambda w: "/lieferant/"),
    "lieferant/bestellungen/<str:number>/": (
        "supplier",
        lambda w: [
            f"/lieferant/bestellungen/{o.number}/" for k, o in w.orders.items() if k != "cart"
        ],
    ),
}

POST_ONLY = "a form's target (POST only): its answer is a redirect to a page listed here"
FRAGMENT = "an htmx fragment inside the cart page (the cart page is visited)"
DOWNLOAD = "a file download, not a page"
SKIPPED = {
    "abmelden/": POST_ONLY,
    "i18n/setlang/": POST_ONLY,
    "dashboard/bestellungen/<uuid:order_id>/erneut/": POST_ONLY,
    "dashboard/bestellungen/<uuid:order_id>/rest-schliessen/": POST_ONLY,
    "dashboard/bestellungen/<uuid:order_id>/aenderung/": POST_ONLY,
    "dashboard/bestellungen/<uuid:order_id>/wareneingang/": POST_ONLY,
    "dashboard/konflikte/<int:pk>/loesen/": POST_ONLY,
    "dashboard/zuordnungen/<int:pk>/loeschen/": POST_ONLY,
    "dashboard/zugaenge/<int:pk>/": POST_ONLY,
    "dashboard/konto/zwei-faktor/aus/": POST_ONLY,
    "warenkorb/<uuid:order_id>/bestellen/": POST_ONLY,
    "warenkorb/<uuid:order_id>/stornieren/": POST_ONLY,
    "warenkorb/<uuid:order_id>/position/<int:line_id>/waehlen/": POST_ONLY,
    "warenkorb/<uuid:order_id>/position/<int:line_id>/option/": POST_ONLY,
    "warenkorb/<uuid:order_id>/position/<int:line_id>/menge/": POST_ONLY,
    "warenkorb/<uuid:order_id>/position/<int:line_id>/entfernen/": POST_ONLY,
    "lieferant/bestellungen/<str:number>/antwort/": POST_ONLY,
    "lieferant/bestellungen/<str:number>/aenderungen/<int:sequence>/": POST_ONLY,
    "warenkorb/<uuid:order_id>/kundennummer/": FRAGMENT,
    "warenkorb/<uuid:order_id>/position/<int:line_id>/suche/": FRAGMENT,
    "dashboard/bestellungen/export.csv": DOWNLOAD,
    "dashboard/bestellungen/<uuid:order_id>/dokumente/<int:document_id>/": DOWNLOAD,
    "lieferant/bestellungen/<str:number>/dokumente/<int:document_id>/": DOWNLOAD,
    "anhaenge/<str:token>/": DOWNLOAD,
    "lieferant/bestellungen/<str:number>/anhaenge/<uuid:attachment_id>/": DOWNLOAD,
    "dashboard/bestellungen/<uuid:order_id>/anhaenge/<uuid:attachment_id>/": DOWNLOAD,
    "warenkorb/<uuid:order_id>/anhaenge/": POST_ONLY,
    "warenkorb/<uuid:order_id>/anhaenge/<int:link_id>/entfernen/": POST_ONLY,
    "metrics": "the operator's monitoring (Prometheus text, not a page)",
}
SKIPPED_PREFIXES = {
    "admin/": "the operator's Django admin (not a page of a practice or a supplier)",
    "api/v1/": "the API (JSON for the practice software; its docs are for developers)",
}

# --- what a person must not read ------------------------------------------------------------------

DEVELOPER_STRINGS = {
    "event code": re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*\b"),
    "dict repr": re.compile(r"\{'|'\s*:\s|\{\"\w+\"\s*:|\[\{"),
    "status codes joined by an arrow": re.compile(r"\b[a-z_]+\s*(?:→|->)\s*[a-z_]+\b"),
    "snake_case code": re.compile(r"\b[a-z]+_[a-z_]+\b"),
    "DE / EN message": re.compile(r"\b(?:DE|EN)\s*/\s*(?:DE|EN)\b|-- English --"),
    "Python None/True/False": re.compile(r"^(?:None|True|False)$"),
}
# Whole words that give a sentence of the other language away.
GERMAN_WORDS = re.compile(
    r"\b(?:und|der|die|das|nicht|ist|mit|für|wird|werden|noch|oder|eine|einen|keine|wurde|"
    r"Sie|bitte|Bitte|Bestellung|Bestellungen|Warenkorb|Filiale|Lieferant|Zustellung|gesendet|"
    r"bestätigt|versandt|Rückstand|Änderungen|Protokoll|Benutzer|Konflikt|Position)\b"
)
ENGLISH_WORDS = re.compile(
    r"\b(?:the|and|of|not|with|your|is|are|was|has|order|orders|queued|sending|sent|confirmed|"
    r"shipped|failed|retrying|pending|delivered|branch|street|name)\b"
)
# Data of this world that may legitimately look like code or another language.
ALLOWED = re.compile(
    r"[\w.+-]+@[\w.-]+|https?://\S+|\b[\w-]+\.(?:xml|edi|pdf|json|txt|csv|example)\b|"
    r"\bopenTRANS\b|\bEDIFACT\b|\bD\.96A\b|\b[ap]\.m\."
)

VISIBLE_TEXT = """() => {
  const parts = [document.title];
  const walk = (node) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) { parts.push(child.textContent); continue; }
      if (child.nodeType !== Node.ELEMENT_NODE) continue;
      const el = child;
      if (['SCRIPT', 'STYLE', 'TEMPLATE'].includes(el.tagName)) continue;
      if (el.closest('details:not([open])') && el.tagName !== 'SUMMARY' && !el.closest('summary')) continue;
      if (el.hasAttribute('data-verbatim')) continue;
      for (const a of ['placeholder', 'aria-label', 'title', 'alt']) {
        if (el.getAttribute(a)) parts.push(el.getAttribute(a));
      }
      if (el.tagName === 'INPUT' && ['submit', 'button'].includes(el.type)) parts.push(el.value);
      if (el.tagName === 'OPTION') parts.push(el.textContent);
      walk(el);
    }
  };
  walk(document.body);
  return parts.join('\\n');
}"""


def developer_strings(text: str, language: str) -> list[str]:
    text = ALLOWED.sub(" ", text)
    found = []
    for line in filter(None, (s.strip() for s in text.splitlines())):
        for name, pattern in DEVELOPER_STRINGS.items():
            if m := pattern.search(line):
                found.append(f"{name}: {m.group(0)!r} in {line[:120]!r}")
        other = GERMAN_WORDS if language == "en" else ENGLISH_WORDS
        if m := other.search(line):
            found.append(f"other language: {m.group(0)!r} in {line[:120]!r}")
    return found


# --- the world ------------------------------------------------------------------------------------


@dataclass
class World:
    admin: object
    supplier: object
    orders: dict = field(default_factory=dict)
    branch: object = None
    employee: object = None
    customer_number: object = None
    token_row: object = None
    registration_id: str = ""
    reset_path: str = ""
    invitation_path: str = ""


def _answer(partner_api, order, kind, doc_id, lines):
    from orderhub.formats import partner_json
    from orderhub.formats.documents import PartnerAnswer

    answer = PartnerAnswer(
        kind=kind,
        order_number=order.number,
        document_id=doc_id,
        issued_at=datetime.now(UTC),
        lines=lines,
    )
    r = partner_api.request(
        "POST",
        "/api/v1/partner/documents",
        raw=partner_json.write_answer(answer),
        content_type="application/json",
    )
    assert r.status_code == 202, r.json_body


@pytest.fixture
def world(practice, company, partners, partner_token):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from orderhub.accounts import audit
    from orderhub.accounts.logins import set_password_path
    from orderhub.accounts.models import Account, ApiToken
    from orderhub.delivery.models import Delivery, DeliveryAttempt, PartnerAccount
    from orderhub.formats.documents import AnswerLine
    from orderhub.masterdata import services as masterdata
    from orderhub.masterdata.models import Branch, CustomerNumber, Employee
    from orderhub.ordering.models import Order
    from tests.conftest import snapshot

    c, admin, _token = company
    partner_api = ApiClient(partner_token)
    w = World(admin=admin, supplier=None)

    # A conflict: the dashboard renamed F1's street, then the practice software sent another.
    w.branch = Branch.objects.get(company=c, external_id="F1")
    masterdata.edit_in_dashboard(
        w.branch, {"street": "Dashboardweg 5"}, audit.actor_for_user(admin)
    )
    data = snapshot()
    data["branches"][0]["street"] = "Quellstraße 9"
    # Names without words of either language, so that the language checks see only the UI.
    data["branches"][0]["name"], data["branches"][1]["name"] = "Studio Mitte", "Studio Nord"
    data["customer_numbers"] = [
        {"partner": "sonora", "customer_number": "K-F1", "branch_id": "F1"},
        {"partner": "sonora", "customer_number": "K-4711", "branch_id": None},
    ]
    r = practice.put("/api/v1/masterdata", data)
    assert r.status_code == 200 and r.json_body["conflicts"], r.json_body
    w.employee = Employee.objects.filter(company=c).order_by("pk").first()
    w.customer_number = CustomerNumber.objects.filter(company=c, branch__isnull=False).first()

    # An API token issued in the dashboard (an audit row with parameters).
    w.token_row, _plain = ApiToken.issue(company=c, name="Empfang", created_by=admin.username)
    audit.record(
        c,
        audit.actor_for_user(admin),
        "api_token.issued",
        object_type="api_token",
        object_id=w.token_row.pk,
        changes={"name": w.token_row.name},
    )

    # Orders: a cart, one sent, one answered with a backorder, one shipped.
    cart = order_body("PVS-CART")
    cart["lines"][0]["partner_article_number"] = "SN-DOES-NOT-EXIST"
    cart["lines"].append(  # issue 17: a dome the catalog does not offer, options to pick
        {
            "position": 3,
            "quantity": 1,
            "partner_article_number": "SN-HA-AURA7-RIC-R-BEIGE",
            "options": {"side": "R", "dome_type": "tulip", "dome_size": "M"},
        }
    )
    r = submit(practice, cart, key="every-cart")
    assert r.json_body["status"] == "cart", r.json_body
    w.orders["cart"] = Order.objects.get(pk=r.json_body["id"])
    for key in ("sent", "backorder", "shipped"):
        r = submit(practice, order_body(f"PVS-{key.upper()}"), key=f"every-{key}")
        assert r.json_body["status"] == "queued", r.json_body
        w.orders[key] = mark_sent(Order.objects.get(pk=r.json_body["id"]))
    soon = date.today() + timedelta(days=7)
    _answer(
        partner_api,
        w.orders["backorder"],
        "order_response",
        "AB-1",
        [
            AnswerLine(
                1,
                "backordered",
                Decimal(2),
                delivery_date=soon,
                backordered_quantity=Decimal(1),
                backorder_date=soon + timedelta(days=14),
            )
        ],
    )
    _answer(
        partner_api,
        w.orders["shipped"],
        "order_response",
        "AB-2",
        [
            AnswerLine(1, "confirmed", Decimal(2), delivery_date=soon),
            AnswerLine(2, "confirmed", Decimal(1), delivery_date=soon),
        ],
    )
    _answer(
        partner_api,
        w.orders["shipped"],
        "dispatch_notification",
        "LS-2",
        [
            AnswerLine(1, "shipped", Decimal(2), serial_numbers=["2319A0411", "2319A0412"]),
            AnswerLine(2, "shipped", Decimal(1)),
        ],
    )
    # The sent order's delivery: a refused first attempt (raw reply), then a file drop (path).
    sent = w.orders["sent"]
    delivery, _ = Delivery.objects.get_or_create(
        order=sent, defaults={"partner": sent.partner, "channel": sent.partner.channel}
    )
    Delivery.objects.filter(pk=delivery.pk).update(status="delivered", attempts=2)
    DeliveryAttempt.objects.filter(delivery=delivery).delete()
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=1,
        channel="opentrans_http",
        outcome="retry",
        status_code=503,
        detail="HTTP 503",
        response_excerpt='{"error": "maintenance", "retry_after": 60}',
    )
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=2,
        channel="edifact",
        outcome="success",
        detail="written to /srv/orderhub/edi/sonora/out/ORDERS-1.edi",
    )

    # A supplier-portal login, an invited login without a password, a pending registration.
    users = get_user_model().objects
    w.supplier = users.create_user("sonora-portal", password="Lieferant-12345!")
    PartnerAccount.objects.create(user=w.supplier, partner=partners["sonora"])
    invited = users.create_user("u2@muster.example", email="u2@muster.example", password=None)
    Account.objects.create(
        user=invited,
        company=c,
        role="branch_staff",
        employee=Employee.objects.get(company=c, external_id="U2"),
        invited_by="Mitarbeiter 1",
    )
    w.invitation_path = set_password_path(invited)
    admin.email = "u1@muster.example"
    admin.save(update_fields=["email"])
    uid = urlsafe_base64_encode(force_bytes(admin.pk))
    w.reset_path = f"/passwort/neu/{uid}/{default_token_generator.make_token(admin)}/"
    registration = snapshot()
    for i, branch in enumerate(registration["branches"]):
        branch["name"] = ("Studio Mitte", "Studio Nord")[i]
    r = ApiClient().post("/api/v1/registrations", registration)
    assert r.status_code == 201, r.json_body
    w.registration_id = r.json_body["registration_id"]
    return w


# --- the tests ------------------------------------------------------------------------------------


def resolver_routes() -> list[str]:
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    return list(walk(get_resolver().url_patterns))


def _skipped(route: str) -> str | None:
    if route in SKIPPED:
        return SKIPPED[route]
    return next((why for prefix, why in SKIPPED_PREFIXES.items() if route.startswith(prefix)), None)


def test_every_page_is_visited_or_skipped_for_a_reason():
    routes = resolver_routes()
    missing = sorted(r for r in routes if r not in PAGES and _skipped(r) is None)
    assert missing == [], f"add these routes to PAGES or SKIPPED in {__file__}: {missing}"


def test_the_developer_string_checks_find_what_they_are_for():
    assert developer_strings("masterdata.synced Benutzer x", "de")
    assert developer_strings("{'name': 'Empfang'}", "de")
    assert developer_strings("queued → sending", "de")
    assert developer_strings("Status: partially_confirmed", "de")
    assert developer_strings("Bestellung gesendet / Order sent", "de")
    assert developer_strings("Die Bestellung wurde gesendet.", "en")
    assert developer_strings("The order was sent.", "de")
    assert not developer_strings(
        "Mitarbeiter 1 (u1@muster.example) · order-1.xml · 09.12.2026", "de"
    )


def _session_cookie(user, base_url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": base_url,
    }


def _urls(w: World) -> list[tuple[str, str, str]]:
    out = []
    routes = set(resolver_routes())
    for route, (who, build) in PAGES.items():
        if route not in routes:
            continue
        built = build(w)
        for url in built if isinstance(built, list) else [built]:
            out.append((route, who, url))
    return out


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_page_reads_as_sentences_fits_390_px_and_passes_axe(
    language, live_server, browser, world, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert AXE.exists(), "axe-core is missing: run `npm ci --prefix tests/a11y` (make test does)"
    axe_source = AXE.read_text(encoding="utf-8")
    logins = {"admin": world.admin, "supplier": world.supplier}
    contexts = {}
    failures: list[str] = []
    try:
        for route, who, url in _urls(world):
            if who not in contexts:
                ctx = browser.new_context(locale="de-DE", viewport={"width": WIDTH, "height": 844})
                ctx.set_default_timeout(15_000)
                cookies = [
                    {
                        "name": settings.LANGUAGE_COOKIE_NAME,
                        "value": language,
                        "url": live_server.url,
                    }
                ]
                if who in logins:
                    cookies.append(_session_cookie(logins[who], live_server.url))
                ctx.add_cookies(cookies)
                contexts[who] = ctx.new_page()
            page = contexts[who]
            response = page.goto(live_server.url + url)
            where = f"[{language}] {url} ({route})"
            if response is None or response.status >= 400:
                failures.append(f"{where}: HTTP {response.status if response else '?'}")
                continue
            if page.evaluate("document.documentElement.lang") != language:
                failures.append(f"{where}: <html lang> is not {language}")
            text = page.evaluate(VISIBLE_TEXT)
            if dump := os.environ.get("ORDERHUB_PAGE_DUMP"):  # a directory: what a person reads
                name = re.sub(r"\W+", "_", url).strip("_") or "home"
                Path(dump, f"{language}-{name}.txt").write_text(text, encoding="utf-8")
            for found in developer_strings(text, language):
                failures.append(f"{where}: {found}")
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > WIDTH:
                wide = page.evaluate(WIDEST)
                failures.append(f"{where}: {width} px wide at {WIDTH} px ({wide})")
            if not page.evaluate("typeof window.axe !== 'undefined'"):
                page.evaluate(axe_source + "\n;void 0")
            result = page.evaluate(
                "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
                ".filter(v => ['serious', 'critical'].includes(v.impact))"
                ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))"
            )
            failures.extend(f"{where}: axe {v}" for v in result)
        # The error pages: a missing page and a login without a company.
        nobody = get_user_model().objects.create_user("ohne-firma", password="x" * 20)
        ctx = browser.new_context(locale="de-DE", viewport={"width": WIDTH, "height": 844})
        ctx.add_cookies(
            [
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
                _session_cookie(nobody, live_server.url),
            ]
        )
        page = ctx.new_page()
        # … and a bug (tests/portal/failing_urls.py adds a URL that raises).
        settings.ROOT_URLCONF = "tests.portal.failing_urls"
        for url, status in (("/gibt-es-nicht/", 404), ("/dashboard/", 403), ("/test-fehler/", 500)):
            response = page.goto(live_server.url + url)
            where = f"[{language}] error page {url}"
            assert response is not None and response.status == status, where
            if page.evaluate("document.documentElement.lang") != language:
                failures.append(f"{where}: <html lang> is not {language}")
            text = page.evaluate(VISIBLE_TEXT)
            failures.extend(f"{where}: {f}" for f in developer_strings(text, language))
            if "nobody outside the log" in text or "RuntimeError" in text:
                failures.append(f"{where}: shows the exception")
            if page.evaluate("document.scrollingElement.scrollWidth") > WIDTH:
                failures.append(f"{where}: wider than {WIDTH} px")
            page.evaluate(axe_source + "\n;void 0")
            result = page.evaluate(
                "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
                ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id))"
            )
            failures.extend(f"{where}: axe {v}" for v in result)
        ctx.close()
    finally:
        for page in contexts.values():
            page.context.close()
    assert failures == [], f"{len(failures)} problems:\n" + "\n".join(failures)


WIDEST = """() => {
  const w = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1);
  const outer = wide.filter(e => !wide.includes(e.parentElement)).slice(0, 3);
  return outer.map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
    + ' ' + Math.round(e.getBoundingClientRect().right) + 'px').join(', ');
}"""
