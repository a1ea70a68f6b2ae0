"""``orderhub seed_demo``: partners pointing at the simulator, catalogs, demo company and orders."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from orderhub.demo import seed


class Command(BaseCommand):
    help = "Seed demo partners (pointing at the supplier simulator), catalogs, a demo company and orders."

    def add_arguments(self, parser):
        parser.add_argument("--sim-http-port", type=int, default=8001)
        parser.add_argument("--sim-smtp-port", type=int, default=8002)
        parser.add_argument("--drop-root", default=str(settings.EDI_DROP_DIR))
        parser.add_argument("--portal-url", default="http://127.0.0.1:8000")
        parser.add_argument("--catalog-size", type=int, default=2000)
        parser.add_argument("--no-orders", action="store_true")
        parser.add_argument(
            "--http-timeout", type=float, default=10, help="partner call timeout in seconds"
        )
        parser.add_argument(
            "--write-state", help="write tokens and simulator arguments to this JSON file"
        )

    def handle(self, *args, **o):
        sim = seed.SimulatorEndpoints(o["sim_http_port"], o["sim_smtp_port"], Path(o["drop_root"]))
        tokens = seed.configure_partners(sim, timeout=o["http_timeout"])
        self.stdout.write("Partnerfirmen eingerichtet: " + ", ".join(tokens))
        seed.import_demo_catalogs(o["catalog_size"], progress=self.stdout.write)
        company, api_token = seed.demo_company()
        self.stdout.write(f"Demo-Unternehmen: {company.name}")
        orders = [] if o["no_orders"] else seed.demo_orders(company)
        if orders:
            self.stdout.write(f"Demo-Bestellungen: {', '.join(orders)}")
        state = {
            "api_token": api_token,
            "partner_tokens": tokens,
            "simulator_args": seed.simulator_args(sim, tokens, o["portal_url"], o["catalog_size"]),
        }
        if o["write_state"]:
            Path(o["write_state"]).write_text(json.dumps(state, indent=2), encoding="utf-8")
        else:
            self.stdout.write(f"API-Token: {api_token}")
