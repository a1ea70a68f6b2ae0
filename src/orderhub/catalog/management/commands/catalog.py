"""``orderhub catalog import --partner SLUG FILE [--update] [--strict]`` and ``orderhub catalog stats``."""

from __future__ import annotations

import os
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from orderhub.catalog import services
from orderhub.catalog.models import CatalogImport
from orderhub.catalog.search import index
from orderhub.partners.models import Partner


class Command(BaseCommand):
    help = "Import partner catalogs (BMEcat 2005/1.2, CSV), show catalog statistics, rebuild the search index."
    # The system checks import every app's URLs and API (about a second of CPU) for a command
    # that only reads a file into two tables; ``orderhub check`` runs them.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a catalog file for one partner")
        imp.add_argument("--partner", required=True, help="partner slug, e.g. sonora")
        imp.add_argument("file")
        imp.add_argument(
            "--update", action="store_true", help="change only the named articles (no removal)"
        )
        imp.add_argument(
            "--strict", action="store_true", help="validate BMEcat 2005 against the official XSD"
        )
        imp.add_argument("--no-progress", action="store_true")
        sub.add_parser("stats", help="articles per partner and the last import")
        idx = sub.add_parser(
            "search-index", help="rebuild this machine's search index (all partners or one)"
        )
        idx.add_argument("--partner", help="partner slug; all partners when omitted")

    def handle(self, *args, action, **options):
        if action == "stats":
            return self.stats()
        if action == "search-index":
            return self.search_index(options.get("partner"))
        return self.import_(options)

    def search_index(self, slug):
        partners = Partner.objects.filter(slug=slug) if slug else Partner.objects.all()
        if slug and not partners.exists():
            raise CommandError(f"unknown partner {slug!r}")
        for partner in partners.order_by("slug"):
            started = time.monotonic()
            if not index.rebuild(partner.pk):
                self.stderr.write(
                    f"{partner.slug}: another process is rebuilding this index right now"
                )
                continue
            self.stdout.write(
                f"{partner.slug}: search index rebuilt in {time.monotonic() - started:.1f} s"
            )

    def stats(self):
        rows = services.stats()
        self.stdout.write(f"{'Partner':<16}{'Artikel':>10}{'ausgelaufen':>13}  letzter Import")
        for r in rows:
            self.stdout.write(
                f"{r['partner']:<16}{r['articles']:>10}{r['discontinued']:>13}  "
                f"{r['last_import'] or '—'} {r['catalog_version']}"
            )

    def import_(self, options):
        try:
            partner = Partner.objects.get(slug=options["partner"])
        except Partner.DoesNotExist:
            known = ", ".join(Partner.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"unknown partner {options['partner']!r} (known: {known})") from None
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(f"file not found: {path}")
        size = os.path.getsize(path)
        bar = (
            None
            if options["no_progress"]
            else tqdm(total=size, unit="B", unit_scale=True, desc="Import", file=self.stderr._out)
        )

        def progress(done, total):
            if bar is not None:
                bar.update(done - bar.n)

        job = services.import_file(
            partner,
            path,
            update=options["update"],
            strict=options["strict"],
            created_by="orderhub catalog import",
            progress=progress,
        )
        if bar is not None:
            bar.close()
        for issue in job.issues[:50]:
            where = f"line {issue['line']}: " if issue.get("line") else ""
            self.stderr.write(f"  {where}{issue['message']}")
        if len(job.issues) > 50:
            self.stderr.write(f"  … and {len(job.issues) - 50} more issues")
        if job.status != CatalogImport.Status.SUCCEEDED:
            raise CommandError(f"import failed, previous catalog unchanged: {job.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{partner.slug}: {job.transaction or 'catalog'} {job.format_version} imported — "
                f"{job.created} created, {job.updated} updated, {job.deleted} removed, {job.skipped} skipped, "
                f"{len(job.issues)} issues"
            )
        )
