"""Partner administration.

``orderhub partner token --partner SLUG [--name NAME]`` prints a new partner token (once).
``orderhub partner sftp-fingerprint --partner SLUG [--confirm SHA256:…]`` connects to an SFTP
partner's server without logging in and prints its host key fingerprint; with ``--confirm`` and
the same fingerprint (checked against what the partner told you) it is pinned for deliveries.
``orderhub partner invite --partner SLUG --email ADDRESS [--name NAME] [--base-url URL]`` invites a
supplier clerk to the supplier portal (a login named by the address, mailed a set-password link);
for an address that is already this partner's login without a password it sends the link again.
``orderhub partner logins --partner SLUG`` lists the partner's supplier-portal logins.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from orderhub.core.problems import Problem
from orderhub.delivery import partner_logins
from orderhub.delivery.channels import sftp
from orderhub.delivery.models import PartnerAccount
from orderhub.partners.models import Partner, PartnerToken


class Command(BaseCommand):
    #: The command's description, said in the operator's language when the help is printed.
    about = gettext_noop("Partner verwalten.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = _(self.about)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        token = sub.add_parser(
            "token", help=_("ein API-Token für den Partner ausstellen und einmal ausgeben")
        )
        token.add_argument("--partner", required=True)
        token.add_argument("--name", default="Partner-API")
        sub.add_parser("list", help=_("Partner und ihre Kanäle auflisten"))
        invite = sub.add_parser(
            "invite",
            help=_("eine Person des Lieferanten per E-Mail ins Lieferantenportal einladen"),
        )
        invite.add_argument("--partner", required=True)
        invite.add_argument("--email", required=True)
        invite.add_argument("--name", default="")
        invite.add_argument(
            "--base-url",
            default="",
            help=_("Adresse des Portals für den Link (Standard: ORDERHUB_BASE_URL)"),
        )
        logins = sub.add_parser(
            "logins", help=_("die Zugänge eines Partners zum Lieferantenportal auflisten")
        )
        logins.add_argument("--partner", required=True)
        fp = sub.add_parser(
            "sftp-fingerprint",
            help=_("den Host-Schlüssel eines SFTP-Partners zeigen; --confirm hinterlegt ihn"),
        )
        fp.add_argument("--partner", required=True)
        fp.add_argument(
            "--confirm",
            metavar="SHA256:…",
            help=_("diesen Fingerabdruck hinterlegen, nur wenn der Server genau ihn zeigt"),
        )

    def handle(self, *args, action, **options):
        if action == "list":
            for p in Partner.objects.all():
                self.stdout.write(f"{p.slug:<14} {p.channel:<15} {p.name}")
            return
        try:
            partner = Partner.objects.get(slug=options["partner"])
        except Partner.DoesNotExist:
            raise CommandError(
                _("Unbekannter Partner „%(partner)s“.") % {"partner": options["partner"]}
            ) from None
        if action == "sftp-fingerprint":
            return self.sftp_fingerprint(partner, options.get("confirm"))
        if action == "invite":
            return self.invite(partner, options)
        if action == "logins":
            return self.logins(partner)
        _token, plain = PartnerToken.issue(
            partner=partner, name=options["name"], created_by="orderhub partner token"
        )
        self.stdout.write(plain)

    def sftp_fingerprint(self, partner: Partner, confirm: str | None) -> None:
        if partner.channel != Partner.Channel.SFTP:
            raise CommandError(
                _("%(partner)s liefert nicht per SFTP (Kanal %(channel)s).")
                % {"partner": partner.slug, "channel": partner.get_channel_display()}
            )
        config = dict(partner.channel_config or {})
        try:
            fingerprint, algorithms = sftp.fetch_host_key(config)
        except sftp.SftpError as exc:
            raise CommandError(exc.sentence()) from None
        where = f"{config.get('host')}:{sftp.setting(config, 'port')}"
        pinned = config.get("host_key_fingerprint") or ""
        self.stdout.write(fingerprint)  # the first line alone, for scripts
        self.stdout.write(
            _("Host-Schlüssel von %(where)s (%(algorithm)s): %(fingerprint)s")
            % {"where": where, "algorithm": algorithms[0], "fingerprint": fingerprint}
        )
        if pinned and pinned != fingerprint:
            self.stderr.write(
                _(
                    "Achtung: hinterlegt ist %(pinned)s; Zustellungen werden abgelehnt, bis der "
                    "neue Fingerabdruck bestätigt ist."
                )
                % {"pinned": pinned}
            )
        if confirm is None:
            if pinned != fingerprint:
                self.stdout.write(
                    _("Mit dem Partner vergleichen, dann speichern mit:")
                    + f"\norderhub partner sftp-fingerprint --partner {partner.slug} "
                    f"--confirm {fingerprint}"
                )
            return
        if confirm.strip() != fingerprint:
            raise CommandError(
                _("Der Server zeigt %(fingerprint)s, nicht %(confirm)s; nichts gespeichert.")
                % {"fingerprint": fingerprint, "confirm": confirm}
            )
        config["host_key_fingerprint"] = fingerprint
        config["host_key_algorithms"] = algorithms
        partner.channel_config = config
        partner.save(update_fields=["channel_config"])
        self.stdout.write(_("Gespeichert für %(partner)s.") % {"partner": partner.slug})

    def invite(self, partner: Partner, options: dict) -> None:
        base_url = (options["base_url"] or settings.BASE_URL).rstrip("/")
        if not base_url:
            raise CommandError(
                _(
                    "Für den Link fehlt die Adresse des Portals: ORDERHUB_BASE_URL setzen oder "
                    "--base-url angeben."
                )
            )
        by = "Betreiber (orderhub partner invite)"
        email = options["email"].strip().lower()
        try:
            existing = PartnerAccount.objects.filter(
                partner=partner, user__username__iexact=email
            ).first()
            if existing is not None:
                sent = partner_logins.resend_invitation(existing, by=by, base_url=base_url)
                again = True
            else:
                existing, sent = partner_logins.invite(
                    partner, email, name=options["name"], by=by, base_url=base_url
                )
                again = False
        except Problem as exc:
            raise CommandError(exc.detail) from None
        if not sent:
            raise CommandError(
                _(
                    "Zugang %(email)s angelegt, aber die E-Mail konnte nicht gesendet werden; "
                    "später erneut einladen."
                )
                % {"email": email}
            )
        said = {"email": email, "partner": partner.name}
        if again:
            self.stdout.write(_("Einladung an %(email)s erneut gesendet (%(partner)s).") % said)
        else:
            self.stdout.write(_("Einladung an %(email)s gesendet (%(partner)s).") % said)

    def logins(self, partner: Partner) -> None:
        accounts = (
            PartnerAccount.objects.filter(partner=partner)
            .select_related("user")
            .order_by("user__username")
        )
        for account in accounts:
            user = account.user
            if not user.is_active:
                state = _("gesperrt")
            elif account.has_password:
                state = _("aktiv")
            else:
                state = _("eingeladen")
            self.stdout.write(f"{user.get_username():<40} {state:<18} {account.name}")
