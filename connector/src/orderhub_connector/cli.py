"""``orderhub-connector``: the connector on the command line.

Each command maps to one :class:`Connector` method and prints its result for a person, in one
language (German or English, see :func:`~.i18n.choose_language` and connector/README.md
"Languages"), or, with ``--json``, for a program (codes, and sentences in both languages where
the library has them). Expected failures print a clear message and exit with their own code
(errors.ExitCode); there is never a traceback unless ``--debug`` asks for one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import tomllib
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from . import __version__
from .config import CONFIG_ENV, DEFAULT_CONFIG, load_config, resolve_config_path
from .connector import COUNT_FIELDS, COUNT_KINDS, Connector
from .errors import (
    ConnectorError,
    ExitCode,
    PortalServerError,
    PortalUnreachable,
    PracticeDataError,
)
from .i18n import (
    LANGUAGE_ENV,
    LANGUAGES,
    N_,
    argparse_in,
    choose_language,
    in_language,
    language_of,
    text,
    translate,
)
from .interface import VIA_WORKSTATION
from .routing import MANUAL, ORDERHUB, SPECIFIC_INTERFACE

_DESTINATION = {
    ORDERHUB: N_("OrderHub"),
    SPECIFIC_INTERFACE: N_("firmenspezifische Schnittstelle"),
    MANUAL: N_("von Hand"),
}
_KIND = {
    "branches": N_("Filialen"),
    "users": N_("Benutzer"),
    "customer_numbers": N_("Kundennummern"),
}
_COUNT = {
    "created": N_("neu"),
    "updated": N_("geändert"),
    "deactivated": N_("deaktiviert"),
    "unchanged": N_("unverändert"),
}
_CHANGE_STATUS = {
    "requested": N_("angefragt"),
    "sent": N_("an den Partner gesendet"),
    "accepted": N_("angenommen"),
    "refused": N_("abgelehnt"),
    "failed": N_("nicht zustellbar"),
}
_CHANGE_KIND = {"change": N_("Änderung"), "cancel": N_("Stornierung")}
#: The portal's order statuses (SPEC §4) in the words of its dashboard.
_ORDER_STATUS = {
    "cart": N_("im Warenkorb"),
    "expired": N_("abgelaufen"),
    "queued": N_("in Warteschlange"),
    "sending": N_("wird gesendet"),
    "sent": N_("gesendet"),
    "confirmed": N_("bestätigt"),
    "partially_confirmed": N_("mit Abweichungen bestätigt"),
    "rejected": N_("vom Partner abgelehnt"),
    "partially_shipped": N_("teilweise versandt"),
    "shipped": N_("versandt"),
    "failed": N_("fehlgeschlagen"),
    "cancelled": N_("storniert"),
}
#: A line's answer (``line_status``).
_LINE_STATUS = {
    "open": N_("offen"),
    "confirmed": N_("bestätigt"),
    "changed": N_("mit Änderung bestätigt"),
    "substituted": N_("Ersatzartikel"),
    "backordered": N_("im Rückstand"),
    "rejected": N_("vom Partner abgelehnt"),
    "partially_shipped": N_("teilweise versandt"),
    "shipped": N_("versandt"),
}


def build_parser(language: str = "de") -> argparse.ArgumentParser:
    """The parser, its help in ``language`` (build and use it inside :func:`argparse_in`, which
    puts argparse's own words into the same language)."""

    def _(msgid: str, **params: Any) -> str:
        # argparse formats help with %: a literal percent sign would have to be doubled.
        return translate(msgid, language, **params)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help=_(
            "Konfigurationsdatei (Standard: ${variable} oder ./{file})",
            variable=CONFIG_ENV,
            file=DEFAULT_CONFIG,
        ),
    )
    common.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=argparse.SUPPRESS,
        help=_(
            "Sprache der Ausgabe (Standard: language in der Konfiguration, sonst ${variable}, "
            "sonst die Spracheinstellung des Systems, sonst de)",
            variable=LANGUAGE_ENV,
        ),
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help=_("Traceback bei unerwarteten Fehlern zeigen"),
    )
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help=_("Ausgabe als JSON"))
    browser = argparse.ArgumentParser(add_help=False)
    browser.add_argument(
        "--no-browser",
        action="store_true",
        help=_("URL nur ausgeben, keinen Browser öffnen"),
    )
    client_id = argparse.ArgumentParser(add_help=False)
    client_id.add_argument(
        "--client-id",
        metavar="ID",
        help=_("eigene Kennung statt des abgeleiteten Idempotency-Key"),
    )

    parser = argparse.ArgumentParser(
        prog="orderhub-connector",
        description=_("OrderHub-Schnittstelle der Praxis"),
        parents=[common],
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__}",
        help=_("die Versionsnummer zeigen und beenden"),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "register",
        parents=[common, as_json, browser],
        help=_("Jetzt registrieren: die Praxis beim Portal anmelden"),
    )
    p.add_argument(
        "--force",
        action="store_true",
        help=_("auch wenn bereits ein Token gespeichert ist"),
    )

    sub.add_parser(
        "sync",
        parents=[common, as_json],
        help=_("Registrierung aktualisieren: die Stammdaten übertragen"),
    )
    sub.add_parser(
        "snapshot",
        parents=[common],
        help=_("zeigt, was übertragen wird"),
    )

    p = sub.add_parser(
        "routes",
        parents=[common, as_json],
        help=_("Bestellweg je Firma"),
    )
    p.add_argument(
        "--check-partners",
        action="store_true",
        help=_("Partner-Kürzel gegen das Portal prüfen"),
    )

    p = sub.add_parser(
        "interfaces",
        parents=[common, as_json],
        help=_("konfigurierte Schnittstellen"),
    )
    p.add_argument(
        "--with-workstation-settings",
        action="store_true",
        help=_("nur „Mit Arbeitsplatz-Einstellungen“"),
    )

    p = sub.add_parser(
        "check",
        parents=[common, as_json],
        help=_("darf die Schnittstelle hier verwendet werden?"),
    )
    p.add_argument("--branch", metavar="B", help=_("Filial-ID"))
    p.add_argument(
        "--workstation",
        metavar="W",
        help=_("Rechnername (Standard: dieser Rechner)"),
    )
    p.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        type=_date_reader(language),
        help=_("Datum (Standard: heute)"),
    )
    p.add_argument(
        "--interface",
        metavar="NAME",
        help=_("nur diese Schnittstelle prüfen"),
    )

    p = sub.add_parser(
        "order",
        parents=[common, as_json, browser],
        help=_("Bestellen: eine Bestellung der Praxisdaten übermitteln"),
    )
    p.add_argument("order_id", metavar="ORDER_ID")

    p = sub.add_parser("status", parents=[common, as_json], help=_("Bestellstatus"))
    p.add_argument("order_id", metavar="ORDER_ID", nargs="?")

    p = sub.add_parser(
        "receive",
        parents=[common, as_json, client_id],
        help=_("Wareneingang buchen"),
    )
    p.add_argument("order_id", metavar="ORDER_ID")
    p.add_argument(
        "--scan",
        action="append",
        default=[],
        metavar="STRING",
        help=_("GS1-Scan eines Kartons (GS auch als <GS>)"),
    )
    p.add_argument(
        "--line",
        action="append",
        default=[],
        metavar="POS=QTY",
        help=_("erhaltene Menge einer Position"),
    )
    p.add_argument("--shipment", metavar="ID", help=_("Lieferschein-ID"))
    p.add_argument("--note", default="", help=_("Bemerkung"))
    p.add_argument(
        "--complete",
        action="store_true",
        help=_("Lieferung vollständig: nicht Genanntes fehlt"),
    )
    p.add_argument(
        "--received-by", metavar="USER", help=_("Mitarbeiter-ID (in der Praxissoftware)")
    )

    p = sub.add_parser(
        "change",
        parents=[common, as_json, client_id],
        help=_("Änderung oder Stornierung einer gesendeten Bestellung beim Partner anfragen"),
    )
    p.add_argument("order_id", metavar="ORDER_ID")
    p.add_argument(
        "--line",
        action="append",
        default=[],
        metavar="POS=QTY",
        help=_("neue Menge einer Position"),
    )
    p.add_argument(
        "--date",
        action="append",
        default=[],
        metavar="POS=YYYY-MM-DD",
        help=_("neuer Liefertermin einer Position"),
    )
    p.add_argument(
        "--remove",
        action="append",
        default=[],
        metavar="POS",
        help=_("Position entfernen"),
    )
    p.add_argument(
        "--cancel",
        action="store_true",
        help=_("die ganze Bestellung stornieren"),
    )
    p.add_argument("--note", default="", help=_("Grund für den Partner"))
    p.add_argument(
        "--both-sides",
        action="store_true",
        help=_("bei einem binauralen Paar auch die andere Seite ändern"),
    )

    p = sub.add_parser(
        "watch",
        parents=[common, as_json],
        help=_("Statusänderungen verfolgen"),
    )
    p.add_argument("--once", action="store_true", help=_("nur eine Runde"))
    p.add_argument(
        "--interval",
        type=float,
        metavar="SECONDS",
        help=_("Sekunden zwischen zwei Abfragen"),
    )
    return parser


def _date_reader(language: str) -> Callable[[str], dt.date]:
    def date(value: str) -> dt.date:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                translate("„{value}“ ist kein Datum JJJJ-MM-TT", language, value=value)
            ) from None

    return date


def language_for(argv: Sequence[str]) -> str:
    """The language of this run, decided before the parser exists (its help is in it): the
    ``--lang`` and ``--config`` on the command line are looked for by hand, the config's
    ``language`` read quietly (a broken config is reported later, in this language)."""
    option = config = None
    args = iter(argv)
    for arg in args:
        if arg == "--":
            break
        for name in ("--lang", "--config"):
            if arg == name:
                value = next(args, None)
            elif arg.startswith(name + "="):
                value = arg.partition("=")[2]
            else:
                continue
            if name == "--lang":
                option = value
            else:
                config = value
    return choose_language(option, _configured_language(config))


def _configured_language(path: str | None) -> str | None:
    try:
        with open(resolve_config_path(path), "rb") as fh:
            value = tomllib.load(fh).get("language")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return language_of(value) if isinstance(value, str) else None


def main(argv: Sequence[str] | None = None, *, connector: Connector | None = None) -> int:
    """Run one command; returns the exit code (the console script passes it to sys.exit)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    language = language_for(argv)
    with argparse_in(language):
        args = build_parser(language).parse_args(argv)
    as_json = getattr(args, "json", False)
    out = Output(as_json, language)
    try:
        if connector is None:
            config = load_config(getattr(args, "config", None))
            connector = Connector(config, echo=out.info, language=language)
        with connector:
            return COMMANDS[args.command](connector, args, out)
    except ConnectorError as exc:
        out.error(exc)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("\n" + out._("Abgebrochen."), file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:  # the last line of defence: a message, not a traceback
        if getattr(args, "debug", False):
            traceback.print_exc()
        out.error(
            ConnectorError(
                text("Unerwarteter Fehler: {error}", error=f"{type(exc).__name__}: {exc}")
            )
        )
        return int(ExitCode.UNEXPECTED)


class Output:
    """Human text on stdout, in ``language``; with --json one JSON document on stdout and
    chatter on stderr."""

    def __init__(self, as_json: bool, language: str = "de") -> None:
        self.as_json = as_json
        self.language = language

    def _(self, msgid: str, /, **params: Any) -> str:
        """``msgid`` (German) in the reader's language."""
        return translate(msgid, self.language, **params)

    def say(self, msgid: str, /, **params: Any) -> None:
        """Print the sentence ``msgid`` in the reader's language."""
        self.line(self._(msgid, **params))

    def of(self, value: Any) -> str:
        """A sentence the library made (``Message``, ``Text``) in the reader's language."""
        return in_language(value, self.language)

    def said(self, item: dict[str, Any], key: str) -> str:
        """What the portal said in ``item[key]`` (German), or ``item[key + "_en"]`` in English."""
        if self.language == "en" and item.get(f"{key}_en"):
            return str(item[f"{key}_en"])
        return str(item.get(key) or "")

    def info(self, message: str) -> None:
        print(message, file=sys.stderr if self.as_json else sys.stdout, flush=True)

    def line(self, message: str = "") -> None:
        print(message)

    def json(self, data: Any) -> None:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))

    def error(self, exc: ConnectorError) -> None:
        for line in exc.lines(self.language):
            print(line, file=sys.stderr)
        if self.as_json:
            self.json(exc.as_dict())


# --- commands -------------------------------------------------------------------------------


def cmd_register(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    result = conn.register(open_browser=not args.no_browser, force=args.force)
    if out.as_json:
        out.json(asdict(result))
    else:
        out.say("Registrierung abgeschlossen, API-Token gespeichert.")
        if result.company_id:
            out.say("Unternehmen: {company}", company=result.company_id)
    return ExitCode.OK


def cmd_sync(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    result = conn.sync()
    if out.as_json:
        out.json({"counts": result.counts, "conflicts": result.conflicts})
        return ExitCode.OK
    header = ["", *(out._(_COUNT[f]) for f in COUNT_FIELDS)]
    rows = [
        [out._(_KIND[k]), *(str(result.counts[k][f]) for f in COUNT_FIELDS)] for k in COUNT_KINDS
    ]
    out.say("Stammdaten übertragen:")
    out.line(_table([header, *rows]))
    if not result.changed:
        out.say("Keine Änderungen.")
    if result.conflicts:
        out.line()
        out.say(
            "{count} Konflikt(e) – die Dashboard-Werte bleiben gültig, bitte im Dashboard klären:",
            count=len(result.conflicts),
        )
        for conflict in result.conflicts:
            out.line(f"  - {_describe_conflict(conflict, out)}")
    return ExitCode.OK


def cmd_snapshot(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    out.json(conn.snapshot())
    return ExitCode.OK


def cmd_routes(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    routes = conn.routes(check_partners=args.check_partners)
    if out.as_json:
        out.json([r.as_dict() for r in routes])
        return ExitCode.OK
    for route in routes:
        partner = f" [{route.partner}]" if route.partner else ""
        out.line(f"{route.firm_id}  {route.firm_name}{partner}")
        out.line(f"  → {out._(_DESTINATION[route.destination])}: {out.of(route.reason)}")
        for warning in route.warnings:
            out.line("  ! " + out._("Warnung: {warning}", warning=warning))
    warned = sum(1 for r in routes if r.warnings)
    via = sum(1 for r in routes if r.via_orderhub)
    out.line()
    out.say(
        "{via} von {total} Firmen über OrderHub, {warned} mit Warnungen.",
        via=via,
        total=len(routes),
        warned=warned,
    )
    return ExitCode.OK


def cmd_interfaces(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    settings = conn.config.interfaces
    if args.with_workstation_settings:
        settings = [s for s in settings if s.configured_via == VIA_WORKSTATION]
    if out.as_json:
        out.json([s.as_dict() for s in settings])
        return ExitCode.OK
    if not settings:
        out.say("Keine passenden Schnittstellen konfiguriert.")
        return ExitCode.OK
    every = out._("alle")
    rows = [
        [
            out._("Name"),
            out._("Filiale"),
            out._("Konfiguriert über"),
            out._("Arbeitsplatz"),
            out._("Verwendung"),
            out._("Start"),
        ]
    ]
    for s in settings:
        rows.append(
            [
                s.name,
                s.branch or every,
                out.of(s.via_label),
                # A workstation setting always names one (InterfaceSetting.__post_init__).
                s.workstation if s.configured_via == VIA_WORKSTATION and s.workstation else every,
                out._("clientseitig"),
                out.of(s.start) if s.start else out._("sofort"),
            ]
        )
    out.line(_table(rows))
    return ExitCode.OK


def cmd_check(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    try:
        names = conn.load().branch_names
    except PracticeDataError:
        names = {}  # the check itself needs no practice data; names only make it friendlier
    check = conn.check(
        args.branch, args.workstation, args.date, interface=args.interface, branch_names=names
    )
    if out.as_json:
        out.json(check.as_dict())
    else:
        where = text(
            "Filiale {branch}, Rechner {workstation}, {date}",
            branch=args.branch or "–",
            workstation=check.workstation,
            date=check.date,
        )
        allowed_by = check.allowed_by  # not None exactly when check.allowed
        if allowed_by is not None:
            out.say(
                "Die Schnittstelle darf verwendet werden ({where}; Einstellung „{setting}“).",
                where=where,
                setting=allowed_by.name,
            )
        else:
            out.say("Die Schnittstelle darf hier NICHT verwendet werden ({where}):", where=where)
            for reason in check.reasons:
                out.line(f"  - {out.of(reason)}")
    return ExitCode.OK if check.allowed else ExitCode.INTERFACE_NOT_ALLOWED


def cmd_order(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    result = conn.submit_order(args.order_id, open_browser=not args.no_browser)
    if out.as_json:
        out.json(asdict(result))
        return ExitCode.OK
    number = result.number or result.order_id
    if result.needs_cart:
        out.say(
            "Bestellung {order} → Warenkorb {number}: bitte im Browser vervollständigen "
            "(gültig bis {until}).",
            order=result.external_order_id,
            number=number,
            until=result.cart_expires_at or "?",
        )
        for issue in result.issues:
            out.line(f"  - {_describe_issue(issue, out)}")
        if result.cart_url:
            out.say("Warenkorb: {url}", url=result.cart_url)
    else:
        out.say(
            "Bestellung {order} angenommen: {number}, Status {status}.",
            order=result.external_order_id,
            number=number,
            status=_label(_ORDER_STATUS, str(result.status), out),
        )
    return ExitCode.OK


def cmd_status(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    if args.order_id:
        order = conn.order_status(args.order_id)
        if out.as_json:
            out.json(order)
            return ExitCode.OK
        out.line(
            f"{order.get('number') or order.get('id')}  "
            f"({order.get('external_order_id') or args.order_id}): "
            f"{_label(_ORDER_STATUS, str(order.get('status') or ''), out)}"
        )
        if order.get("cart_url"):
            out.line(
                "  "
                + out._(
                    "Warenkorb: {url} (bis {until})",
                    url=order["cart_url"],
                    until=order.get("cart_expires_at"),
                )
            )
        for line in order.get("lines") or []:
            article = line.get("partner_article_number") or line.get("description") or ""
            state = _label(_LINE_STATUS, str(line.get("line_status") or ""), out)
            out.line(
                f"  {line.get('position')}. {_quantity(line.get('quantity'))} × {article}"
                f"  {state}".rstrip()
            )
            # What the dispatch notifications carried per unit: the practice software's records
            # (warranty, repairs, the health insurer) need them, and a person reads them here.
            if line.get("serial_numbers"):
                numbers = ", ".join(line["serial_numbers"])
                out.line("     " + out._("Seriennummern: {numbers}", numbers=numbers))
            if line.get("lot_numbers"):
                lots = ", ".join(line["lot_numbers"])
                out.line("     " + out._("Chargen: {lots}", lots=lots))
        for change in order.get("changes") or []:  # changes after sending (see `change`)
            kind = str(change.get("kind") or "")
            status = str(change.get("status") or "")
            text_ = (
                f"  {change.get('number')}  {_label(_CHANGE_KIND, kind, out)}: "
                f"{_label(_CHANGE_STATUS, status, out)}"
            )
            if change.get("answer_note"):
                text_ += f" – {change['answer_note']}"
            out.line(text_)
        for event in order.get("events") or []:
            moved = _label(_ORDER_STATUS, str(event.get("to_status") or ""), out)
            if event.get("from_status") and moved:
                moved = f"{_label(_ORDER_STATUS, str(event['from_status']), out)} → {moved}"
            note = out.said(event, "reason") or out.said(event, "message")
            out.line(f"  {event.get('at') or ''}  {moved}  {note}".rstrip())
        return ExitCode.OK
    orders = conn.list_orders()
    if out.as_json:
        out.json(orders)
        return ExitCode.OK
    if not orders:
        out.say("Keine Bestellungen.")
        return ExitCode.OK
    rows = [[out._("Nummer"), out._("Praxis-ID"), out._("Status"), out._("Geändert")]]
    for order in orders:
        rows.append(
            [
                str(order.get("number") or order.get("id")),
                str(order.get("external_order_id") or ""),
                _label(_ORDER_STATUS, str(order.get("status") or ""), out),
                str(order.get("updated_at") or ""),
            ]
        )
    out.line(_table(rows))
    return ExitCode.OK


def cmd_receive(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    receipt = conn.receive(
        args.order_id,
        scans=args.scan,
        lines=args.line,
        shipment=args.shipment,
        note=args.note,
        complete=args.complete,
        received_by=args.received_by,
        client_id=args.client_id,
    )
    if out.as_json:
        out.json(receipt)
        return ExitCode.OK
    number = receipt.get("number")
    if receipt.get("booked_before"):
        out.say("Wareneingang {number} war schon gebucht.", number=number)
    else:
        out.say("Wareneingang {number} gebucht.", number=number)
    for line in receipt.get("lines") or []:
        serials = ", ".join(line.get("serial_numbers") or [])
        booked = _quantity(line.get("quantity")) + (f"  ({serials})" if serials else "")
        out.line(
            "  " + out._("Pos. {position}: {what}", position=line.get("position"), what=booked)
        )
    differences = receipt.get("differences") or []
    if differences:
        out.say("{count} Abweichung(en):", count=len(differences))
        for d in differences:
            out.line(f"  ! {out.said(d, 'message')}")
    else:
        out.say("Keine Abweichungen.")
    return ExitCode.OK


def cmd_change(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    change = conn.change(
        args.order_id,
        lines=args.line,
        dates=args.date,
        remove=args.remove,
        cancel=args.cancel,
        note=args.note,
        client_id=args.client_id,
        both_sides=args.both_sides,
    )
    if out.as_json:
        out.json(change)
        return ExitCode.OK
    number = change.get("number")
    cancel = change.get("kind") == "cancel"
    if change.get("asked_before"):
        if cancel:
            out.say("Stornierung {number} war schon angefragt.", number=number)
        else:
            out.say("Änderung {number} war schon angefragt.", number=number)
    elif cancel:
        out.say("Stornierung {number} angefragt.", number=number)
    else:
        out.say("Änderung {number} angefragt.", number=number)
    for line in change.get("lines") or []:
        position = line.get("position")
        if line.get("removed"):
            out.line("  " + out._("Pos. {position}: entfernen", position=position))
            continue
        parts = []
        if line.get("quantity") is not None:
            parts.append(out._("Menge {quantity}", quantity=_quantity(line.get("quantity"))))
        if line.get("delivery_date"):
            parts.append(out._("Liefertermin {date}", date=line.get("delivery_date")))
        out.line("  " + out._("Pos. {position}: {what}", position=position, what=", ".join(parts)))
    for hint in change.get("pair_hints") or []:  # one side of a binaural pair only
        out.line("  " + out._("Hinweis: {hint}", hint=out.said(hint, "message")))
    status = str(change.get("status") or "")
    out.say("Status: {status}", status=_label(_CHANGE_STATUS, status, out))
    if change.get("answer_note"):
        out.say("Partner: {note}", note=change.get("answer_note"))
    if status in ("requested", "sent"):
        out.say("Der Partner muss zustimmen; „status“ zeigt seine Antwort.")
    return ExitCode.OK


def cmd_watch(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    interval = args.interval if args.interval is not None else conn.config.watch_interval
    while True:
        try:
            updates = conn.poll_updates()
        except (PortalUnreachable, PortalServerError) as exc:
            if args.once:
                raise
            # A long-running watch outlives network trouble: say so and try again later.
            for line in exc.lines(out.language):
                print(line, file=sys.stderr)
            updates = None
        if updates is not None:
            if out.as_json:
                out.json([u.as_dict() for u in updates])
            else:
                for u in updates:
                    out.line(
                        f"{u.external_order_id or '–'} ({u.number or u.order_id}): "
                        f"{_label(_ORDER_STATUS, str(u.status), out)}  {u.updated_at or ''}".rstrip()
                    )
                if args.once and not updates:
                    out.say("Keine Änderungen.")
        if args.once:
            return ExitCode.OK
        try:
            time.sleep(interval)
        except KeyboardInterrupt:  # the normal way to stop watching
            return ExitCode.OK


COMMANDS = {
    "register": cmd_register,
    "sync": cmd_sync,
    "snapshot": cmd_snapshot,
    "routes": cmd_routes,
    "interfaces": cmd_interfaces,
    "check": cmd_check,
    "order": cmd_order,
    "status": cmd_status,
    "watch": cmd_watch,
    "receive": cmd_receive,
    "change": cmd_change,
}


# --- formatting -----------------------------------------------------------------------------


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows
    )


def _quantity(value: Any) -> str:
    """ "2.000" → "2", "0.500" → "0.5": quantities as a person writes them."""
    text = str(value if value is not None else "")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _label(labels: dict[str, str], code: str, out: Output) -> str:
    """A code's words (``requested`` → *angefragt*); a code this version does not know as is,
    none as nothing."""
    return out._(labels[code]) if code in labels else code


def _describe_conflict(conflict: Any, out: Output) -> str:
    if not isinstance(conflict, dict):
        return str(conflict)
    if "field" in conflict and ("dashboard_value" in conflict or "source_value" in conflict):
        record = " ".join(
            str(conflict[k]) for k in ("record_type", "record_id") if conflict.get(k) is not None
        )
        return out._(
            "{record}: {field} – Dashboard {dashboard!r}, Praxissoftware {source!r}",
            record=record,
            field=conflict["field"],
            dashboard=conflict.get("dashboard_value"),
            source=conflict.get("source_value"),
        )
    return ", ".join(f"{k}={v}" for k, v in conflict.items())


def _describe_issue(issue: dict[str, Any], out: Output) -> str:
    position = issue.get("position")
    text_ = f"{issue.get('code', '')} – {out.said(issue, 'message')}"
    if position is not None:
        text_ = out._("Pos. {position}: {what}", position=position, what=text_)
    candidates = issue.get("candidates") or []
    if candidates:
        names = []
        for c in candidates[:5]:
            if isinstance(c, dict):
                names.append(
                    str(
                        c.get("partner_article_number")
                        or c.get("article_number")
                        or c.get("id")
                        or c
                    )
                )
            else:
                names.append(str(c))
        text_ += " " + out._("(Vorschläge: {names})", names=", ".join(names))
    return text_
