"""The practice-side connector against a real portal (issue 6): gunicorn, a worker and the supplier
simulator run as separate processes; the connector runs as its console script, as on a practice's
workstation. Every test asserts what the practice would notice: what the CLI prints, its exit
code, the files it writes, and what the portal then holds.

One company registers through the connector in the browser (Playwright + Debian's chromium) in the
module-scoped ``practice`` fixture; the other tests use that installation (or a second
installation of the same practice with the same token, e.g. behind a proxy or with other interface
settings).
"""

from __future__ import annotations

import datetime as dt
import json
import stat
import time

import httpx
import pytest

from tests.connector_e2e.helpers import DropFirstOrderProxy, Install, demo_practice
from tests.e2e.stack import free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]

COMPANY = "Hörwerk Probe OHG"
LOGIN, EMAIL, PASSWORD = "probe-admin", "filiale-mitte@probe.example", "Hoergeraet-2026!"
SENT_OR_LATER = {"sent", "confirmed", "partially_confirmed", "shipped"}


class Practice:
    """The registered installation, its portal client and what happened during registration."""

    def __init__(self, install: Install, stack, registration: dict):
        self.install = install
        self.stack = stack
        self.registration = registration
        self.api = httpx.Client(
            base_url=stack.base_url,
            timeout=30,
            headers={"Authorization": f"Bearer {install.token}"},
        )

    def orders_for(self, external_order_id: str) -> list[dict]:
        items, cursor = [], None
        while True:
            body = self.api.get(
                "/api/v1/orders", params={"cursor": cursor} if cursor else {}
            ).json()
            items += body["items"]
            cursor = body["next_cursor"]
            if not cursor:
                break
        return [o for o in items if o["external_order_id"] == external_order_id]

    def wait_for(self, order_id: str, statuses: set[str], timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            order = self.api.get(f"/api/v1/orders/{order_id}").json()
            if order["status"] in statuses or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert order["status"] in statuses, (
            f"{order['number']} is {order['status']}; logs in {self.stack.root}"
        )
        return order

    def variant(
        self,
        name: str,
        *,
        data: dict | None = None,
        portal_url: str | None = None,
        token: str | None = None,
        **kw,
    ) -> Install:
        """Another installation of the same practice (another state directory / settings)."""
        return Install(
            self.install.root.parent / name,
            portal_url or self.stack.base_url,
            data or self.install.data(),
            token=token or self.install.token,
            **kw,
        )


def with_order(data: dict, order_id: str, **changes) -> dict:
    """The practice data plus a copy of the first demo order (complete, Sonora) under a new id."""
    order = json.loads(json.dumps(data["orders"][0]))
    order.update(id=order_id, **changes)
    data["orders"].append(order)
    return data


def login(page, base_url: str, next_url: str | None = None) -> None:
    page.goto(next_url or f"{base_url}/anmelden/")
    page.get_by_label("Benutzername").fill(LOGIN)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


@pytest.fixture(scope="module")
def practice(stack, browser, tmp_path_factory):
    """Register a NEW company: ``orderhub-connector register --no-browser``; a person completes
    the printed URL in the browser; the CLI, polling, receives the token."""
    install = Install(
        tmp_path_factory.mktemp("practice") / "empfang", stack.base_url, demo_practice(COMPANY)
    )
    running = install.popen("register", "--no-browser")
    url = running.wait_for_line("/registrierung/").strip()
    context = browser.new_context(locale="de-DE")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(url)
        page_text = (
            page.locator("main").inner_text() if page.locator("main").count() else page.content()
        )
        heading = page.get_by_role("heading", name="Jetzt registrieren").is_visible()
        page.get_by_label("Benutzername").fill(LOGIN)
        page.get_by_label("E-Mail-Adresse").fill(EMAIL)
        page.get_by_label("Passwort", exact=True).fill(PASSWORD)
        page.get_by_label("Passwort wiederholen").fill(PASSWORD)
        page.get_by_role("button", name="Registrierung abschließen").click()
        page.wait_for_url("**/dashboard/")
    finally:
        context.close()
    rc = running.wait(timeout=60)
    registration = {
        "url": url,
        "rc": rc,
        "stdout": running.output,
        "stderr": running.stderr,
        "page_text": page_text,
        "heading": heading,
    }
    assert rc == 0, registration
    p = Practice(install, stack, registration)
    yield p
    p.api.close()


# --- 1. register ------------------------------------------------------------------------------


def test_register_in_the_browser_delivers_the_token_once_to_a_file_only_the_owner_reads(
    practice, stack
):
    reg, install = practice.registration, practice.install
    # The URL was printed (not opened: --no-browser) and points at this portal.
    assert reg["url"].startswith(f"{stack.base_url}/registrierung/")
    assert install.opened_urls() == []
    # The person saw the company and the branches transferred from the practice software.
    assert reg["heading"]
    for name in (COMPANY, "Filiale Mitte", "Filiale Nord", "Filiale Potsdam"):
        assert name in reg["page_text"]
    assert "Registrierung abgeschlossen" in reg["stdout"]

    token_mode = stat.S_IMODE(install.token_path.stat().st_mode)
    assert token_mode == 0o600, oct(token_mode)
    assert stat.S_IMODE(install.state_dir.stat().st_mode) == 0o700
    assert install.token.startswith("ohc")
    recorded = json.loads((install.state_dir / "registration.json").read_text())
    assert recorded["portal_url"] == stack.base_url and recorded["company_id"]
    assert recorded["workstation"] == "EMPFANG-PC"

    # The token is this new company's, not the demo company's.
    in_force = practice.api.get("/api/v1/masterdata")
    assert in_force.status_code == 200, in_force.text
    assert in_force.json()["company"]["name"] == COMPANY
    assert {b["id"] for b in in_force.json()["branches"]} == {"F1", "F2", "F3"}

    # Registering again is refused (exit 11) and the stored token stays.
    token = install.token
    again = install.run("register", "--no-browser")
    assert again.returncode == 11, again
    assert (
        "sync" in again.stderr
        and "Fehler: Diese Installation ist bereits registriert" in again.stderr
    )
    assert "Error" not in again.stderr  # German by default, English only when asked (--lang en)
    english = install.run("register", "--no-browser", "--lang", "en")
    assert (
        english.returncode == 11
        and "Error: This installation is already registered" in english.stderr
    )
    assert "Fehler" not in english.stderr
    assert install.token == token


# --- 2. sync ----------------------------------------------------------------------------------


def test_sync_again_after_a_new_branch_and_a_new_employee(practice):
    install = practice.install
    first = install.run_json("sync")
    # Registration already transferred this snapshot: nothing changes.
    assert first["counts"] == {
        "branches": {"created": 0, "updated": 0, "deactivated": 0, "unchanged": 3},
        "users": {"created": 0, "updated": 0, "deactivated": 0, "unchanged": 4},
        "customer_numbers": {"created": 0, "updated": 0, "deactivated": 0, "unchanged": 4},
    }, first
    assert first["conflicts"] == []

    def add(data):
        data["branches"].append(
            {
                "id": "F4",
                "name": "Filiale Spandau",
                "street": "Carl-Schurz-Str. 8",
                "postal_code": "13597",
                "city": "Berlin",
                "country": "DE",
            }
        )
        data["users"].append(
            {
                "id": "U5",
                "name": "Emil Hörer",
                "email": "filiale-spandau@probe.example",
                "phone": "+49 30 3333333",
                "branch_ids": ["F4"],
                "is_admin": False,
            }
        )

    install.edit_data(add)

    second = install.run_json("sync")
    assert second["counts"] == {
        "branches": {"created": 1, "updated": 0, "deactivated": 0, "unchanged": 3},
        "users": {"created": 1, "updated": 0, "deactivated": 0, "unchanged": 4},
        "customer_numbers": {"created": 0, "updated": 0, "deactivated": 0, "unchanged": 4},
    }, second
    assert second["conflicts"] == []

    in_force = practice.api.get("/api/v1/masterdata").json()
    branches = {b["id"]: b for b in in_force["branches"]}
    assert branches["F4"]["name"] == "Filiale Spandau"
    users = {u["id"]: u for u in in_force["users"]}
    assert users["U5"]["name"] == "Emil Hörer" and users["U5"]["branch_ids"] == ["F4"]

    # The person's view (text): a third sync with the same data changes nothing.
    third = install.run("sync")
    assert third.returncode == 0, third
    assert "Keine Änderungen." in third.stdout and "No changes" not in third.stdout


# --- 3. routes --------------------------------------------------------------------------------


def test_routes_with_a_shadowing_firm_specific_interface(practice):
    install = practice.variant("routes")  # its own copy of the practice data
    routes = {r["firm_id"]: r for r in install.run_json("routes", "--check-partners")}
    audiotec = routes["FA-200"]
    assert audiotec["destination"] == "specific_interface"
    assert (
        "Audiotec Direkt" in audiotec["reason"]["de"]
        and "Audiotec Direkt" in audiotec["reason"]["en"]
    )
    assert "specific_interface_shadows_orderhub" in [w["code"] for w in audiotec["warnings"]]
    assert routes["FA-100"]["destination"] == "orderhub"
    # every demo partner slug is known to the real portal
    assert not [w for r in routes.values() for w in r["warnings"] if w["code"] == "unknown_partner"]

    text = install.run("routes")
    assert text.returncode == 0 and "Audiotec Direkt" in text.stdout and "Warnung" in text.stdout

    # While Audiotec Direkt is active an Audiotec order is refused before anything is sent.
    refused = install.run("order", "B-2026-0003", "--no-browser")
    assert refused.returncode == 9, refused
    assert "über die firmenspezifische Schnittstelle" in refused.stderr
    assert "firm-specific interface" not in refused.stderr
    assert practice.orders_for("B-2026-0003") == []

    # The practice deactivates Audiotec Direkt: from now on OrderHub is used for Audiotec.
    install.edit_data(lambda d: d["firms"][1]["specific_interface"].update(active=False))
    routes = {r["firm_id"]: r for r in install.run_json("routes")}
    assert routes["FA-200"]["destination"] == "orderhub"
    assert "specific_interface_shadows_orderhub" not in [
        w["code"] for w in routes["FA-200"]["warnings"]
    ]
    accepted = install.run_json("order", "B-2026-0003", "--no-browser")
    assert accepted["status"] == "queued", accepted
    assert [o["id"] for o in practice.orders_for("B-2026-0003")] == [accepted["order_id"]]


# --- 4. a complete order ----------------------------------------------------------------------


def test_complete_order_is_queued_without_a_browser_and_then_delivered(practice, stack):
    install = practice.install
    result = install.run("order", "B-2026-0001")
    assert result.returncode == 0, result
    assert (
        "Bestellung B-2026-0001 angenommen" in result.stdout
        and "Status in Warteschlange" in result.stdout
    )
    assert install.opened_urls() == []  # nothing for a person to do

    [order] = practice.orders_for("B-2026-0001")
    assert order["number"] in result.stdout
    assert (
        order["partner"] == "sonora" and order["branch_id"] == "F1" and order["ordered_by"] == "U2"
    )
    assert order["customer_number"] == "K-4711"
    delivered = practice.wait_for(order["id"], SENT_OR_LATER)
    lines = {line["position"]: line for line in delivered["lines"]}
    assert {p: lines[p]["matched_article"]["partner_article_number"] for p in lines} == {
        1: "SN-R-M-3-R",
        2: "SN-R-M-3-L",
        3: "SN-D-OPEN-M",
    }
    assert stack.sim_stats()["sonora"]["received"].get(order["number"]) == 1

    journal = [(e["event"], e["external_order_id"]) for e in install.journal()]
    assert journal[-2:] == [("prepared", "B-2026-0001"), ("answered", "B-2026-0001")]
    # Company isolation: the demo company does not see this practice's order.
    demo_orders = stack.api.get("/api/v1/orders").json()["items"]
    assert order["id"] not in {o["id"] for o in demo_orders}


# --- 5. an incomplete order -------------------------------------------------------------------


def test_incomplete_order_prints_the_cart_url_and_respects_no_browser(practice, stack, browser):
    install = practice.install
    result = install.run("order", "B-2026-0002", "--no-browser")
    assert result.returncode == 0, result
    assert "Warenkorb" in result.stdout
    assert "Pos. 2: article_not_found" in result.stdout
    cart_lines = [line for line in result.stdout.splitlines() if line.startswith("Warenkorb: ")]
    assert len(cart_lines) == 1, result.stdout
    cart_url = cart_lines[0].removeprefix("Warenkorb: ").strip()
    assert cart_url.startswith(stack.base_url + "/")
    assert install.opened_urls() == []  # --no-browser: printed, not opened

    [order] = practice.orders_for("B-2026-0002")
    assert order["status"] == "cart" and order["cart_url"] == cart_url

    # Pressing "Bestellen" again without --no-browser: the same cart (idempotent), now opened.
    again = install.run("order", "B-2026-0002")
    assert again.returncode == 0, again
    assert install.opened_urls() == [cart_url]
    assert [o["id"] for o in practice.orders_for("B-2026-0002")] == [order["id"]]

    # The cart asks for the registration credentials, then a person removes the unknown article
    # and orders.
    context = browser.new_context(locale="de-DE")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(cart_url)
        page.wait_for_url(lambda url: "/anmelden/" in url)
        login(page, stack.base_url, next_url=page.url)
        page.wait_for_url(cart_url)
        assert "SN-XX-UNBEKANNT" in page.locator("#line-2").inner_text()
        page.locator("#line-2").get_by_role("button", name="Position entfernen").click()
        page.locator("#line-2.removed").wait_for()
        page.get_by_role("button", name="Bestellen").click()
        page.wait_for_url(f"**/dashboard/bestellungen/{order['id']}/")
    finally:
        context.close()
    practice.wait_for(order["id"], {"queued", "sending", *SENT_OR_LATER})

    # "Bestellen" once more after the cart was ordered: no cart is opened again.
    after = install.run_json("order", "B-2026-0002")
    assert (
        after["order_id"] == order["id"] and after["status"] != "cart" and after["cart_url"] is None
    )
    assert install.opened_urls() == [cart_url]
    assert install.status_file()["orders"]["B-2026-0002"]["status"] == after["status"]


# --- 6. a network drop ------------------------------------------------------------------------


def test_retry_after_a_network_drop_still_makes_one_order(practice, stack):
    proxy = DropFirstOrderProxy(stack.port)
    try:
        data = with_order(
            practice.install.data(),
            "B-2026-0006",
            branch_id="F3",
            ordered_by="U4",
            reference="Lager Potsdam",
        )
        install = practice.variant("behind-proxy", data=data, portal_url=proxy.url)

        result = install.run("order", "B-2026-0006", "--json")
        assert result.returncode == 0, result
        answer = json.loads(result.stdout)
        assert "Versuch 2 mit demselben Idempotency-Key" in result.stderr
        # accepted (complete); reported as it is after the retry, maybe already on its way
        assert answer["attempts"] == 2 and answer["status"] in {"queued", "sending", *SENT_OR_LATER}

        # The portal got the order twice, with the same key; the practice never saw the first answer.
        posts = proxy.order_posts()
        assert [h["idempotency-key"] for h in posts] == [answer["idempotency_key"]] * 2
        withheld = proxy.withheld[0]
        assert withheld.startswith(b"HTTP/1.1 201"), withheld[:200]
        first_answer = json.loads(withheld.partition(b"\r\n\r\n")[2])

        # Exactly one order; the connector reports it.
        orders = practice.orders_for("B-2026-0006")
        assert [o["id"] for o in orders] == [first_answer["id"]] == [answer["order_id"]]
        assert (
            orders[0]["number"] == answer["number"] and orders[0]["customer_number"] == "K-4711-P"
        )
        assert [e["event"] for e in install.journal()] == ["prepared", "answered"]
        assert install.status_file()["orders"]["B-2026-0006"]["number"] == answer["number"]

        # Running the command again (the practice is unsure) is still one order.
        rerun = install.run_json("order", "B-2026-0006")
        assert rerun["order_id"] == answer["order_id"] and rerun["attempts"] == 1
        assert len(practice.orders_for("B-2026-0006")) == 1
        assert proxy.errors == []
    finally:
        proxy.close()


# --- 7. errors a practice understands -------------------------------------------------------


def test_revoked_token_exits_7(practice, stack, browser):
    # The admin creates a token for a second workstation in the dashboard …
    context = browser.new_context(locale="de-DE")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        login(page, stack.base_url)
        page.wait_for_url("**/dashboard/")
        page.goto(f"{stack.base_url}/dashboard/tokens/")
        page.get_by_label("Name").fill("Werkstatt-PC")
        page.get_by_role("button", name="Token erzeugen").click()
        token = page.locator("#new-token").inner_text().strip()
        data = with_order(practice.install.data(), "B-2026-0007")
        install = practice.variant("werkstatt", data=data, token=token)
        works = install.run("status")
        assert works.returncode == 0, works

        # … and revokes it again.
        page.get_by_role("row").filter(has_text="Werkstatt-PC").get_by_role(
            "link", name="Widerrufen …"
        ).click()
        page.get_by_text("wird sofort ungültig").wait_for()  # asked first
        page.get_by_role("button", name="Ja, widerrufen").click()
        page.get_by_text("Token widerrufen.").wait_for()
        revoked_at = time.monotonic()
    finally:
        context.close()

    # The stack runs two web processes. The one that revoked forgets the token at once; the other
    # may still hold it from the `status` above for the `tokens` cache's lifetime (README:
    # ORDERHUB_TOKEN_CACHE_SECONDS, 2 s) — after that every process refuses it.
    window = float(stack.env.get("ORDERHUB_TOKEN_CACHE_SECONDS", "2"))
    time.sleep(max(0.0, revoked_at + window + 0.2 - time.monotonic()))
    for args in (("status",), ("sync",), ("order", "B-2026-0007", "--no-browser")):
        result = install.run(*args)
        assert result.returncode == 7, (args, result)
        assert "Fehler: Das API-Token wurde vom Portal abgelehnt" in result.stderr
        assert "Error" not in result.stderr
        assert "Traceback" not in result.stderr
    assert practice.orders_for("B-2026-0007") == []  # nothing was ordered with the revoked token
    # The registered installation's own token is untouched.
    assert practice.install.run("status").returncode == 0


def test_unreachable_portal_exits_5_and_sends_nothing(practice):
    data = with_order(practice.install.data(), "B-2026-0008")
    closed = free_port()  # nothing listens there
    install = practice.variant(
        "offline", data=data, portal_url=f"http://127.0.0.1:{closed}", retries=1
    )
    for args in (("sync",), ("status",), ("order", "B-2026-0008", "--no-browser")):
        result = install.run(*args)
        assert result.returncode == 5, (args, result)
        assert (
            "Fehler: Das OrderHub-Portal" in result.stderr and "nicht erreichbar" in result.stderr
        )
    english = install.run("status", "--lang", "en")
    assert english.returncode == 5
    assert "Error: The OrderHub portal" in english.stderr and "cannot be reached" in english.stderr
    assert [e["event"] for e in install.journal()] == ["prepared", "failed"]
    assert practice.orders_for("B-2026-0008") == []


def test_interface_not_enabled_here_exits_8_and_sends_nothing(practice):
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    data = with_order(practice.install.data(), "B-2026-0009")
    install = practice.variant(
        "not-yet",
        data=data,
        interface={
            "name": "OrderHub",
            "branch": "F1",
            "configured_via": "workstation",
            "workstation": "EMPFANG-PC",
            "usage": "client",
            "start": tomorrow.isoformat(),
        },
    )

    before = install.run("check", "--branch", "F1")
    assert before.returncode == 8, before
    assert f"ab {tomorrow:%d.%m.%Y} freigeschaltet" in before.stdout
    in_english = install.run("check", "--branch", "F1", "--lang", "en")
    assert (
        in_english.returncode == 8 and f"enabled from {tomorrow.isoformat()}" in in_english.stdout
    )
    assert install.run("check", "--branch", "F1", "--date", tomorrow.isoformat()).returncode == 0
    elsewhere = install.run(
        "check", "--branch", "F2", "--workstation", "LABOR-PC", "--date", tomorrow.isoformat()
    )
    assert elsewhere.returncode == 8 and "F2" in elsewhere.stdout and "LABOR-PC" in elsewhere.stdout

    refused = install.run("order", "B-2026-0009", "--no-browser")
    assert refused.returncode == 8, refused
    assert "Schnittstelle darf hier nicht verwendet werden" in refused.stderr
    assert f"ab {tomorrow:%d.%m.%Y} freigeschaltet" in refused.stderr
    assert install.journal() == []
    assert practice.orders_for("B-2026-0009") == []


def test_firm_not_routed_through_orderhub_exits_9_and_sends_nothing(practice):
    install = practice.install
    by_email = install.run("order", "B-2026-0004", "--no-browser")  # Klangwerk: order form e-mail
    assert by_email.returncode == 9, by_email
    assert "Klangwerk Audiologie GmbH" in by_email.stderr and "von Hand" in by_email.stderr
    no_number = install.run("order", "B-2026-0005", "--no-browser")  # Otoplast: no customer number
    assert no_number.returncode == 9, no_number
    assert "Otoplast" in no_number.stderr
    assert practice.orders_for("B-2026-0004") == practice.orders_for("B-2026-0005") == []


# --- 8. status back into the practice software ------------------------------------------------


def test_status_and_watch_once_write_the_order_status_back(practice):
    install = practice.install
    if not practice.orders_for("B-2026-0001"):  # when run on its own
        assert install.run("order", "B-2026-0001").returncode == 0
    [order] = practice.orders_for("B-2026-0001")
    shipped = practice.wait_for(order["id"], {"shipped"})

    # The serial numbers the dispatch notification carried, per line (the devices for one ear
    # carry one per unit; the domes none).
    notified: dict[int, list[str]] = {}
    for parcel in shipped["shipments"]:
        for row in parcel["lines"]:
            notified.setdefault(row["position"], []).extend(row["serial_numbers"])
    assert len(notified[1]) == 2 and len(notified[2]) == 1 and notified.get(3, []) == []

    status = install.run("status", "B-2026-0001")  # practice order id, mapped through the journal
    assert status.returncode == 0, status
    assert f"{order['number']}  (B-2026-0001): versandt" in status.stdout
    for serials in notified.values():
        if serials:
            assert f"Seriennummern: {', '.join(serials)}" in status.stdout

    watched = install.run_json("watch", "--once")
    assert "B-2026-0001" in {u["external_order_id"] for u in watched}
    entry = install.status_file()["orders"]["B-2026-0001"]
    assert entry["status"] == "shipped" and entry["number"] == order["number"]
    assert entry["order_id"] == order["id"]
    assert entry["tracking_numbers"] == shipped["tracking_numbers"] != []
    assert [h["status"] for h in entry["history"]][0] == "queued"
    assert entry["history"][-1]["status"] == "shipped"
    # The line answers travel with it: what was confirmed, shipped and is still outstanding.
    assert entry["lines"] and {line["line_status"] for line in entry["lines"]} == {"shipped"}
    assert all(float(line["outstanding_quantity"]) == 0 for line in entry["lines"])
    assert all(
        float(line["shipped_quantity"]) == float(line["confirmed_quantity"])
        for line in entry["lines"]
    )
    # … and the serial numbers, in the status file and in what `watch` hands over.
    by_position = {line["position"]: line["serial_numbers"] for line in entry["lines"]}
    assert by_position == {n: notified.get(n, []) for n in (1, 2, 3)}
    (handed,) = [u for u in watched if u["external_order_id"] == "B-2026-0001"]
    assert {line["position"]: line["serial_numbers"] for line in handed["lines"]} == by_position

    # A second round hands over nothing new.
    assert install.run_json("watch", "--once") == []
    again = install.run("watch", "--once")
    assert again.returncode == 0 and "Keine Änderungen." in again.stdout

    # Pressing "Bestellen" once more: the portal answers as it did the first time (SPEC §3.6) —
    # that must not set the order back to "queued" in the practice software.
    resubmitted = install.run_json("order", "B-2026-0001")
    assert resubmitted["order_id"] == order["id"]
    install.run_json("watch", "--once")
    assert install.status_file()["orders"]["B-2026-0001"]["status"] == "shipped"
    assert len(practice.orders_for("B-2026-0001")) == 1
