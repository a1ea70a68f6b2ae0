"""``orderhub catalog import --partner SLUG FILE [--update] [--strict]`` and ``orderhub catalog stats``."""

from __future__ import annotations

import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from tqdm import tqdm

from orderhub.catalog import import_messages, services
from orderhub.catalog.models import CatalogImport
from orderhub.catalog.search import index
from orderhub.partners.models import Partner


class Command(BaseCommand):
    #: The command's description, said in the operator's language when the help is printed.
    about = gettext_noop(
        "Kataloge der Partner importieren (BMEcat 2005/1.2, CSV), Katalogstatistik zeigen, Suchindex neu aufbauen."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = _(self.about)
        return super().create_parser(prog_name, subcommand, **kwargs)

    # The system checks import every app's URLs and API (about a second of CPU) for a command
    # that only reads a file into two tables; ``orderhub check`` runs them.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help=_("eine Katalogdatei für einen Partner importieren"))
        imp.add_argument("--partner", required=True, help=_("Kürzel des Partners, z. B. sonora"))
        imp.add_argument("file")
        imp.add_argument(
            "--update",
            action="store_true",
            help=_("nur die genannten Artikel ändern (nichts entfernen)"),
        )
        imp.add_argument(
            "--strict", action="store_true", help=_("BMEcat 2005 gegen das offizielle XSD prüfen")
        )
        imp.add_argument("--no-progress", action="store_true")
        sub.add_parser("stats", help=_("Artikel je Partner und der letzte Import"))
        idx = sub.add_parser(
            "search-index",
            help=_("den Suchindex dieses Rechners neu aufbauen (alle Partner oder einen)"),
        )
        idx.add_argument("--partner", help=_("Kürzel des Partners; ohne: alle Partner"))

    def handle(self, *args, action, **options):
        if action == "stats":
            return self.stats()
        if action == "search-index":
            return self.search_index(options.get("partner"))
        return self.import_(options)

    def search_index(self, slug):
        partners = Partner.objects.filter(slug=slug) if slug else Partner.objects.all()
        if slug and not partners.exists():
            raise CommandError(_("Unbekannter Partner „%(partner)s“.") % {"partner": slug})
        for partner in partners.order_by("slug"):
            started = time.monotonic()
            if not index.rebuild(partner.pk):
                self.stderr.write(
                    _("%(partner)s: ein anderer Prozess baut diesen Suchindex gerade neu auf.")
                    % {"partner": partner.slug}
                )
                continue
            self.stdout.write(
                _("%(partner)s: Suchindex in %(seconds).1f s neu aufgebaut.")
                % {"partner": partner.slug, "seconds": time.monotonic() - started}
            )

    def stats(self):
        rows = services.stats()
        self.stdout.write(
            f"{_('Partner'):<16}{_('Artikel'):>10}{_('ausgelaufen'):>13}  {_('letzter Import')}"
        )
        for r in rows:
            self.stdout.write(
                f"{r['partner']:<16}{r['articles']:>10}{r['discontinued']:>13}  "
                f"{r['last_import'] or '—'} {r['catalog_version']}"
            )

    def import_(self, options):
        try:
            partner = Partner.objects.get(slug=options["partner"])
        except Partner.DoesNotExist:
            known = ", ".join(Partner.objects.values_list("slug", flat=True)) or "–"
            raise CommandError(
                _("Unbekannter Partner „%(partner)s“ (bekannt: %(known)s).")
                % {"partner": options["partner"], "known": known}
            ) from None
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(_("Datei nicht gefunden: %(path)s") % {"path": path})
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
            where = _("Zeile %(line)s: ") % {"line": issue["line"]} if issue.get("line") else ""
            self.stderr.write(f"  {where}{import_messages.issue_message(issue)}")
        if len(job.issues) > 50:
            self.stderr.write(
                "  " + _("… und %(count)s weitere Hinweise") % {"count": len(job.issues) - 50}
            )
        if job.status != CatalogImport.Status.SUCCEEDED:
            raise CommandError(
                _("Import fehlgeschlagen, der bisherige Katalog bleibt unverändert: %(error)s")
                % {
                    "error": import_messages.error_message(
                        job.error_code, job.error_params, job.error
                    )
                }
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(partner)s: %(transaction)s %(version)s importiert – %(created)s neu, "
                    "%(updated)s geändert, %(deleted)s entfernt, %(skipped)s übersprungen, "
                    "%(issues)s Hinweise"
                )
                % {
                    "partner": partner.slug,
                    "transaction": job.transaction or _("Katalog"),
                    "version": job.format_version,
                    "created": job.created,
                    "updated": job.updated,
                    "deleted": job.deleted,
                    "skipped": job.skipped,
                    "issues": len(job.issues),
                }
            )
        )
