"""``orderhub purge_registrations``: erase personal data of finished and expired registrations.

Every worker runs this as a periodic job; the command is for cron-less setups and for a purge at
once (e.g. ``--days 0`` after a data-protection request).
"""

from django.core.management.base import BaseCommand

from orderhub.masterdata.registration import purge_registrations


class Command(BaseCommand):
    help = "Delete expired registrations and erase the snapshot of finished ones after N days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="days after expiry / completion (default: REGISTRATION_PURGE_DAYS, 7)",
        )

    def handle(self, *args, days, **options):
        result = purge_registrations(days=days)
        self.stdout.write(
            f"registrations deleted: {result['deleted']}, personal data erased: {result['erased']}"
        )
