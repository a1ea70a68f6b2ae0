"""``orderhub partner token --partner SLUG [--name NAME]`` prints a new partner token (once)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from orderhub.partners.models import Partner, PartnerToken


class Command(BaseCommand):
    help = "Partner administration."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        token = sub.add_parser("token", help="issue a partner API token and print it once")
        token.add_argument("--partner", required=True)
        token.add_argument("--name", default="Partner-API")
        sub.add_parser("list", help="list partners and their channels")

    def handle(self, *args, action, **options):
        if action == "list":
            for p in Partner.objects.all():
                self.stdout.write(f"{p.slug:<14} {p.channel:<15} {p.name}")
            return
        try:
            partner = Partner.objects.get(slug=options["partner"])
        except Partner.DoesNotExist:
            raise CommandError(f"unknown partner {options['partner']!r}") from None
        _, plain = PartnerToken.issue(partner=partner, name=options["name"], created_by="orderhub partner token")
        self.stdout.write(plain)
