"""Demo data: the four partner firms (one per channel) with catalogs, a demo company, demo orders.

The same partner set-up is used by the end-to-end tests: every partner points at the supplier
simulator (HTTP for openTRANS and the webhook, SMTP for e-mail, a drop directory for EDIFACT).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from orderhub.accounts.models import Account, ApiToken, Company
from orderhub.catalog.models import Article
from orderhub.catalog.services import import_file
from orderhub.core import actors
from orderhub.delivery.models import PartnerAccount
from orderhub.formats.bmecat.writer import write_bmecat
from orderhub.formats.catalog_generator import catalog_header, generate_catalog
from orderhub.masterdata.schemas import MasterDataIn
from orderhub.masterdata.services import apply_snapshot
from orderhub.ordering import services as ordering
from orderhub.ordering.models import Order
from orderhub.ordering.schemas import OrderIn
from orderhub.partners.models import Partner, PartnerToken

REPO = Path(__file__).resolve().parents[3]
PRACTICE_JSON = REPO / "connector" / "demo" / "practice.json"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "OrderHub-Demo-2026"
SUPPLIER_USERNAME = "otoplast"
SUPPLIER_PASSWORD = "Lieferant-Demo-2026"

PARTNERS = [
    # slug, name, channel, catalog prefix, requires customer number, city
    ("sonora", "Sonora Hörsysteme GmbH", Partner.Channel.OPENTRANS_HTTP, "SN", True, "Hamburg"),
    ("audiotec", "Audiotec Hörgeräte AG", Partner.Channel.EDIFACT, "AT", True, "Erlangen"),
    ("otoplast", "Otoplast Zubehör KG", Partner.Channel.EMAIL, "OP", False, "Bielefeld"),
    ("klangwerk", "Klangwerk Audiologie GmbH", Partner.Channel.WEBHOOK, "KW", True, "Leipzig"),
]
SIM_BASIC = ("orderhub", "sim-basic-secret")
SIM_WEBHOOK_SECRET = "sim-webhook-secret"


@dataclass
class SimulatorEndpoints:
    http_port: int
    smtp_port: int
    drop_root: Path


def configure_partners(sim: SimulatorEndpoints, timeout: float = 10) -> dict[str, str]:
    """Create/update the demo partners to point at the simulator; returns fresh partner tokens."""
    tokens = {}
    with transaction.atomic():
        for slug, name, channel, _prefix, needs_number, city in PARTNERS:
            partner, _ = Partner.objects.update_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "channel": channel,
                    "requires_customer_number": needs_number,
                    "city": city,
                    "gln": {"audiotec": "4012345000009"}.get(slug, ""),
                    "edi_id": slug.upper(),
                    "retry_first_seconds": 2,
                    "retry_max_seconds": 60,
                    "dead_letter_after_hours": 48,
                },
            )
            base = f"http://127.0.0.1:{sim.http_port}"
            if channel == Partner.Channel.OPENTRANS_HTTP:
                partner.channel_config = {
                    "url": f"{base}/{slug}/opentrans/orders",
                    "timeout": timeout,
                }
                partner.credentials = {"username": SIM_BASIC[0], "password": SIM_BASIC[1]}
            elif channel == Partner.Channel.WEBHOOK:
                partner.channel_config = {
                    "url": f"{base}/{slug}/webhook/orders",
                    "timeout": timeout,
                }
                partner.credentials = {"secret": SIM_WEBHOOK_SECRET}
            elif channel == Partner.Channel.EMAIL:
                partner.channel_config = {
                    "to": f"bestellung@{slug}.example",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": sim.smtp_port,
                    "timeout": timeout,
                }
            else:
                partner.channel_config = {"drop_dir": str(sim.drop_root), "partner_dir": slug}
            partner.save()
            PartnerToken.objects.filter(partner=partner, name="Simulator").update(
                revoked_at=timezone.now()
            )
            _, tokens[slug] = PartnerToken.issue(
                partner=partner, name="Simulator", created_by="demo"
            )
    return tokens


#: The seed of the demo catalogs (``import_demo_catalogs``); the simulator generates the same.
CATALOG_SEED = 7


def simulator_args(
    sim: SimulatorEndpoints, tokens: dict[str, str], portal_url: str, catalog_size: int = 2000
) -> list[str]:
    """The simulator's command line: the four partners, each with the catalog the portal
    imported for it (issue 17: the simulator checks the options it receives against it)."""
    catalogs = [
        arg
        for slug, _name, _channel, prefix, _needs, _city in PARTNERS
        for arg in ("--catalog", f"{slug}=generated:{prefix}:{catalog_size}:{CATALOG_SEED}")
    ]
    return [
        *catalogs,
        "--portal-url",
        portal_url,
        "--http-port",
        str(sim.http_port),
        "--smtp-port",
        str(sim.smtp_port),
        "--drop-root",
        str(sim.drop_root),
        "--partner",
        f"sonora:opentrans:{tokens['sonora']}:{SIM_BASIC[0]}:{SIM_BASIC[1]}",
        "--partner",
        f"klangwerk:webhook:{tokens['klangwerk']}:{SIM_WEBHOOK_SECRET}",
        "--partner",
        f"otoplast:email:{tokens['otoplast']}:bestellung@otoplast.example",
        "--partner",
        "audiotec:edifact",
    ]


def import_demo_catalogs(size: int = 2000, progress=print) -> None:
    for slug, name, _channel, prefix, _needs, _city in PARTNERS:
        partner = Partner.objects.get(slug=slug)
        articles = Article.objects.filter(partner=partner)
        if (
            articles.count() >= size
            and articles.filter(attributes__has_key="receiver_family").exists()
        ):
            continue  # imported, with the variant structure of issue 17
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{slug}.xml"
            with open(path, "wb") as out:
                write_bmecat(
                    catalog_header(prefix, size, name),
                    generate_catalog(prefix, size, seed=CATALOG_SEED, manufacturer=name),
                    out,
                )
            job = import_file(partner, path, created_by="demo")
        progress(f"  Katalog {name}: {job.created} Artikel ({job.status})")


def demo_company() -> tuple[Company, str]:
    """The demo company from the connector's demo practice data; returns it and a fresh API token."""
    practice = json.loads(PRACTICE_JSON.read_text(encoding="utf-8"))
    numbers = []
    for firm in practice["firms"]:
        if firm.get("partner") and firm.get("customer_number"):
            numbers.append(
                {
                    "partner": firm["partner"],
                    "customer_number": firm["customer_number"],
                    "branch_id": None,
                }
            )
        for branch_id, number in (firm.get("branch_customer_numbers") or {}).items():
            numbers.append(
                {"partner": firm["partner"], "customer_number": number, "branch_id": branch_id}
            )
    snapshot = MasterDataIn.model_validate(
        {
            "company": practice["company"],
            "branches": practice["branches"],
            "users": practice["users"],
            "customer_numbers": numbers,
        }
    )
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.filter(username=DEMO_USERNAME).first()
        if user is None:
            company = Company.objects.create(
                name=snapshot.company.name, software_name="Demo-Praxissoftware"
            )
            user = User.objects.create_user(DEMO_USERNAME, "demo@muster.example", DEMO_PASSWORD)
            Account.objects.create(user=user, company=company)
        company = user.account.company
        apply_snapshot(company, snapshot, actors.DEMO)
        ApiToken.objects.filter(company=company, name="Demo").update(revoked_at=timezone.now())
        _, token = ApiToken.issue(company=company, name="Demo", created_by="demo")
        supplier = User.objects.filter(username=SUPPLIER_USERNAME).first()
        if supplier is None:
            supplier = User.objects.create_user(
                SUPPLIER_USERNAME, "portal@otoplast.example", SUPPLIER_PASSWORD
            )
            PartnerAccount.objects.create(
                user=supplier, partner=Partner.objects.get(slug="otoplast")
            )
    return company, token


def _demo_options(side: str) -> dict:
    return {
        "side": side,
        "style": "BTE",
        "colour": {"code": "SI", "name": "silber"},
        "battery": "13",
        "tubing": "thin",
    }


def demo_orders(company: Company) -> list[str]:
    """Orders in several states; queued ones are then delivered to the simulator by the worker."""
    if Order.objects.filter(company=company, external_order_id__startswith="DEMO-").exists():
        return []

    def submit(ext, partner, lines, branch="F1", user="U1", customer_number=None, **extra):
        payload = OrderIn.model_validate(
            {
                "external_order_id": ext,
                "partner": partner,
                "branch_id": branch,
                "ordered_by": user,
                "customer_number": customer_number,
                "reference": "Demo",
                "lines": lines,
                **extra,
            }
        )
        _, body = ordering.submit_order(company, payload, f"demo-{ext}", actors.DEMO)
        return Order.objects.get(pk=body["id"])

    def line(pos, number, qty=1, **kw):
        return {"position": pos, "quantity": qty, "partner_article_number": number, **kw}

    made = [
        submit("DEMO-1", "sonora", [line(1, "SN-R-M-3-R", 2), line(2, "SN-D-OPEN-M", 10)]),
        # A Kommission of a binaural pair with typed options (issue 17).
        submit(
            "DEMO-2",
            "audiotec",
            [
                line(1, "AT-HA-AURA3-BTE-R-SILBER", pair="P1", options=_demo_options("R")),
                line(2, "AT-HA-AURA3-BTE-L-SILBER", pair="P1", options=_demo_options("L")),
                line(3, "AT-D-OPEN-S", 5, options={"dome_type": "open", "dome_size": "S"}),
            ],
            order_type="consignment",
            return_date=(timezone.localdate() + timedelta(days=28)).isoformat(),
            fitting_reference="V-DEMO-0002",
        ),
        submit("DEMO-3", "otoplast", [line(1, "OP-OTO-ACR-SCHALE-L")], branch="F2", user="U3"),
        submit("DEMO-4", "klangwerk", [line(1, "KW-ACC-LADER-RIC")], customer_number="KW-5521"),
        submit(
            "DEMO-5",
            "sonora",
            [line(1, "SN-R-M-3-R"), line(2, "SN-GIBT-ES-NICHT", description="Ladeschale alt")],
        ),
    ]
    # Issue 17, options against the catalog: a RIC pair named by its HMV number (one number for
    # every side and colour of Aura 7 RIC): the options choose the variant; the right ear's
    # colour and the left ear's dome are not on offer, so the cart names what is.
    made.append(
        submit(
            "DEMO-8",
            "sonora",
            [
                {
                    "position": 1,
                    "quantity": 1,
                    "hmv_number": "1320030003",
                    "description": "Aura 7 RIC rechts",
                    "pair": "P1",
                    "options": {
                        "side": "R",
                        "style": "RIC",
                        "colour": {"code": "RT", "name": "rot"},
                    },
                },
                {
                    "position": 2,
                    "quantity": 1,
                    "hmv_number": "1320030003",
                    "description": "Aura 7 RIC links",
                    "pair": "P1",
                    "options": {
                        "side": "L",
                        "style": "RIC",
                        "colour": "beige",
                        "receiver_power": "M",
                        "receiver_length": "2",
                        "dome_type": "tulip",
                        "dome_size": "M",
                    },
                },
            ],
            fitting_reference="V-DEMO-0008",
        )
    )
    old_cart = submit("DEMO-6", "sonora", [line(1, "SN-UNBEKANNT-1", description="Hörer M links")])
    Order.objects.filter(pk=old_cart.pk).update(
        created_at=timezone.now() - timedelta(hours=7),
        cart_expires_at=timezone.now() - timedelta(hours=1),
    )
    ordering.expire_due_carts()
    cancelled = submit("DEMO-7", "sonora", [line(1, "SN-UNBEKANNT-2")])
    ordering.cancel(cancelled, actors.DEMO)
    return [o.number for o in made + [old_cart, cancelled]]
