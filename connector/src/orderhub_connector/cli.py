"""``orderhub-connector``: the connector on the command line.

Each command maps to one :class:`Connector` method and prints its result for a person
(German first, English second) or, with ``--json``, for a program. Expected failures print a
clear message and exit with their own code (errors.ExitCode); there is never a traceback
unless ``--debug`` asks for one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from . import __version__
from .config import CONFIG_ENV, DEFAULT_CONFIG, load_config
from .connector import COUNT_FIELDS, COUNT_KINDS, Connector
from .errors import (
    ConnectorError,
    ExitCode,
    PortalServerError,
    PortalUnreachable,
    PracticeDataError,
)
from .interface import VIA_WORKSTATION
from .routing import MANUAL, ORDERHUB, SPECIFIC_INTERFACE

_DESTINATION = {
    ORDERHUB: "OrderHub",
    SPECIFIC_INTERFACE: "firmenspezifische Schnittstelle / specific interface",
    MANUAL: "von Hand / manual",
}
_KIND = {
    "branches": "Filialen / branches",
    "users": "Benutzer / users",
    "customer_numbers": "Kundennummern / customer numbers",
}


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help=f"Konfigurationsdatei / config file (default: ${CONFIG_ENV} or ./{DEFAULT_CONFIG})",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="Traceback bei unerwarteten Fehlern / traceback on unexpected errors",
    )
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="Ausgabe als JSON / output JSON")
    browser = argparse.ArgumentParser(add_help=False)
    browser.add_argument(
        "--no-browser",
        action="store_true",
        help="URL nur ausgeben, keinen Browser öffnen / print the URL only",
    )

    parser = argparse.ArgumentParser(
        prog="orderhub-connector",
        description="OrderHub-Schnittstelle der Praxis / OrderHub practice-side connector",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "register",
        parents=[common, as_json, browser],
        help="Jetzt registrieren / register this practice",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="auch wenn bereits ein Token gespeichert ist / even if a token is stored",
    )

    sub.add_parser(
        "sync",
        parents=[common, as_json],
        help="Registrierung aktualisieren / send the master-data snapshot",
    )
    sub.add_parser(
        "snapshot",
        parents=[common],
        help="zeigt, was übertragen wird / print the snapshot that would be sent",
    )

    p = sub.add_parser(
        "routes",
        parents=[common, as_json],
        help="Bestellweg je Firma / where each firm's orders go",
    )
    p.add_argument(
        "--check-partners",
        action="store_true",
        help="Partner-Kürzel gegen das Portal prüfen / check partner slugs online",
    )

    p = sub.add_parser(
        "interfaces",
        parents=[common, as_json],
        help="konfigurierte Schnittstellen / configured interfaces",
    )
    p.add_argument(
        "--with-workstation-settings",
        action="store_true",
        help="nur „Mit Arbeitsplatz-Einstellungen“ / only workstation-configured ones",
    )

    p = sub.add_parser(
        "check",
        parents=[common, as_json],
        help="darf die Schnittstelle hier verwendet werden? / may it be used here?",
    )
    p.add_argument("--branch", metavar="B", help="Filial-ID / branch id")
    p.add_argument(
        "--workstation",
        metavar="W",
        help="Rechnername (Standard: dieser Rechner) / workstation (default: this one)",
    )
    p.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        type=_date,
        help="Datum (Standard: heute) / date (default: today)",
    )
    p.add_argument(
        "--interface",
        metavar="NAME",
        help="nur diese Schnittstelle prüfen / check only this interface",
    )

    p = sub.add_parser(
        "order",
        parents=[common, as_json, browser],
        help="Bestellen / submit an order from the practice data",
    )
    p.add_argument("order_id", metavar="ORDER_ID")

    p = sub.add_parser("status", parents=[common, as_json], help="Bestellstatus / order status")
    p.add_argument("order_id", metavar="ORDER_ID", nargs="?")

    p = sub.add_parser(
        "receive",
        parents=[common, as_json],
        help="Wareneingang buchen / book a goods receipt",
    )
    p.add_argument("order_id", metavar="ORDER_ID")
    p.add_argument(
        "--scan",
        action="append",
        default=[],
        metavar="STRING",
        help="GS1-Scan eines Kartons (GS auch als <GS>) / GS1 scan of one box (GS also as <GS>)",
    )
    p.add_argument(
        "--line",
        action="append",
        default=[],
        metavar="POS=QTY",
        help="erhaltene Menge einer Position / received quantity of a line",
    )
    p.add_argument("--shipment", metavar="ID", help="Lieferschein / dispatch notification id")
    p.add_argument("--note", default="", help="Bemerkung / note")
    p.add_argument(
        "--complete",
        action="store_true",
        help="Lieferung vollständig: nicht Genanntes fehlt / the whole delivery: unnamed lines "
        "are missing",
    )
    p.add_argument(
        "--received-by", metavar="USER", help="Mitarbeiter-ID / employee id (practice software)"
    )
    p.add_argument(
        "--client-id",
        metavar="ID",
        help="eigene Kennung statt des abgeleiteten Idempotency-Key / own id instead of the "
        "derived Idempotency-Key",
    )

    p = sub.add_parser(
        "change",
        parents=[common, as_json],
        help="Änderung oder Stornierung beim Partner anfragen / ask the partner to change or "
        "cancel a sent order",
    )
    p.add_argument("order_id", metavar="ORDER_ID")
    p.add_argument(
        "--line",
        action="append",
        default=[],
        metavar="POS=QTY",
        help="neue Menge einer Position / new quantity of a line",
    )
    p.add_argument(
        "--date",
        action="append",
        default=[],
        metavar="POS=YYYY-MM-DD",
        help="neuer Liefertermin einer Position / new delivery date of a line",
    )
    p.add_argument(
        "--remove",
        action="append",
        default=[],
        metavar="POS",
        help="Position entfernen / remove a line",
    )
    p.add_argument(
        "--cancel",
        action="store_true",
        help="die ganze Bestellung stornieren / cancel the whole order",
    )
    p.add_argument("--note", default="", help="Grund für den Partner / reason for the partner")
    p.add_argument(
        "--both-sides",
        action="store_true",
        help="bei einem binauralen Paar auch die andere Seite ändern / change the other side of "
        "a binaural pair too",
    )
    p.add_argument(
        "--client-id",
        metavar="ID",
        help="eigene Kennung statt des abgeleiteten Idempotency-Key / own id instead of the "
        "derived Idempotency-Key",
    )

    p = sub.add_parser(
        "watch",
        parents=[common, as_json],
        help="Statusänderungen verfolgen / follow order status changes",
    )
    p.add_argument("--once", action="store_true", help="eine Runde / one round only")
    p.add_argument(
        "--interval",
        type=float,
        metavar="SECONDS",
        help="Abstand der Abfragen / seconds between rounds",
    )
    return parser


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"„{value}“ ist kein Datum JJJJ-MM-TT / '{value}' is not a YYYY-MM-DD date"
        ) from None


def main(argv: Sequence[str] | None = None, *, connector: Connector | None = None) -> int:
    """Run one command; returns the exit code (the console script passes it to sys.exit)."""
    args = build_parser().parse_args(argv)
    as_json = getattr(args, "json", False)
    out = Output(as_json)
    try:
        if connector is None:
            config = load_config(getattr(args, "config", None))
            connector = Connector(config, echo=out.info)
        with connector:
            return COMMANDS[args.command](connector, args, out)
    except ConnectorError as exc:
        out.error(exc)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("\nAbgebrochen / interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:  # the last line of defence: a message, not a traceback
        if getattr(args, "debug", False):
            traceback.print_exc()
        out.error(
            ConnectorError(
                f"Unerwarteter Fehler: {type(exc).__name__}: {exc}",
                f"Unexpected error: {type(exc).__name__}: {exc}",
            )
        )
        return int(ExitCode.UNEXPECTED)


class Output:
    """Human text on stdout; with --json one JSON document on stdout and chatter on stderr."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def info(self, message: str) -> None:
        print(message, file=sys.stderr if self.as_json else sys.stdout, flush=True)

    def line(self, message: str = "") -> None:
        print(message)

    def json(self, data: Any) -> None:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))

    def error(self, exc: ConnectorError) -> None:
        for text in exc.lines():
            print(text, file=sys.stderr)
        if self.as_json:
            self.json(exc.as_dict())


# --- commands -------------------------------------------------------------------------------


def cmd_register(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    result = conn.register(open_browser=not args.no_browser, force=args.force)
    if out.as_json:
        out.json(asdict(result))
    else:
        out.line(
            "Registrierung abgeschlossen, API-Token gespeichert. / Registration complete, "
            "API token stored."
        )
        if result.company_id:
            out.line(f"Unternehmen / company: {result.company_id}")
    return ExitCode.OK


def cmd_sync(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    result = conn.sync()
    if out.as_json:
        out.json({"counts": result.counts, "conflicts": result.conflicts})
        return ExitCode.OK
    header = ["", *COUNT_FIELDS]
    rows = [[_KIND[k], *(str(result.counts[k][f]) for f in COUNT_FIELDS)] for k in COUNT_KINDS]
    out.line(
        "Stammdaten übertragen / master data sent "
        "(neu/created, geändert/updated, deaktiviert/deactivated, unverändert/unchanged):"
    )
    out.line(_table([header, *rows]))
    if not result.changed:
        out.line("Keine Änderungen. / No changes.")
    if result.conflicts:
        out.line()
        out.line(
            f"{len(result.conflicts)} Konflikt(e) – die Dashboard-Werte bleiben gültig, bitte "
            f"im Dashboard klären / conflict(s) – dashboard values stay in force, please "
            f"resolve them in the dashboard:"
        )
        for conflict in result.conflicts:
            out.line(f"  - {_describe_conflict(conflict)}")
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
        out.line(f"  → {_DESTINATION[route.destination]}: {route.reason.de}")
        out.line(f"    {route.reason.en}")
        for warning in route.warnings:
            out.line(f"  ! Warnung: {warning.de}")
            out.line(f"    Warning: {warning.en}")
    warned = sum(1 for r in routes if r.warnings)
    via = sum(1 for r in routes if r.via_orderhub)
    out.line()
    out.line(
        f"{via} von {len(routes)} Firmen über OrderHub, {warned} mit Warnungen / "
        f"{via} of {len(routes)} firms through OrderHub, {warned} with warnings."
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
        out.line(
            "Keine passenden Schnittstellen konfiguriert. / No matching interfaces configured."
        )
        return ExitCode.OK
    rows = [
        [
            "Name",
            "Filiale / branch",
            "Konfiguriert über / configured via",
            "Arbeitsplatz / workstation",
            "Verwendung / usage",
            "Start",
        ]
    ]
    for s in settings:
        rows.append(
            [
                s.name,
                s.branch or "alle / all",
                " / ".join(s.via_label),
                # A workstation setting always names one (InterfaceSetting.__post_init__).
                s.workstation
                if s.configured_via == VIA_WORKSTATION and s.workstation
                else "alle / all",
                "clientseitig / client",
                s.start.isoformat() if s.start else "sofort / at once",
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
        where_de = (
            f"Filiale {args.branch or '–'}, Rechner {check.workstation}, {check.date:%d.%m.%Y}"
        )
        where_en = (
            f"branch {args.branch or '–'}, workstation {check.workstation}, "
            f"{check.date.isoformat()}"
        )
        allowed_by = check.allowed_by  # not None exactly when check.allowed
        if allowed_by is not None:
            out.line(
                f"Die Schnittstelle darf verwendet werden ({where_de}; Einstellung "
                f"„{allowed_by.name}“)."
            )
            out.line(f"The interface may be used ({where_en}; setting '{allowed_by.name}').")
        else:
            out.line(f"Die Schnittstelle darf hier NICHT verwendet werden ({where_de}):")
            for reason in check.reasons:
                out.line(f"  - {reason.de}")
            out.line(f"The interface may NOT be used here ({where_en}):")
            for reason in check.reasons:
                out.line(f"  - {reason.en}")
    return ExitCode.OK if check.allowed else ExitCode.INTERFACE_NOT_ALLOWED


def cmd_order(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    result = conn.submit_order(args.order_id, open_browser=not args.no_browser)
    if out.as_json:
        out.json(asdict(result))
        return ExitCode.OK
    number = result.number or result.order_id
    if result.needs_cart:
        out.line(
            f"Bestellung {result.external_order_id} → Warenkorb {number}: bitte im Browser "
            f"vervollständigen (gültig bis {result.cart_expires_at or '?'})."
        )
        out.line(
            f"Order {result.external_order_id} → cart {number}: please complete it in the "
            f"browser (valid until {result.cart_expires_at or '?'})."
        )
        for issue in result.issues:
            out.line(f"  - {_describe_issue(issue)}")
        if result.cart_url:
            out.line(f"Warenkorb / cart: {result.cart_url}")
    else:
        out.line(
            f"Bestellung {result.external_order_id} angenommen: {number}, Status {result.status}."
        )
        out.line(f"Order {result.external_order_id} accepted: {number}, status {result.status}.")
    return ExitCode.OK


def cmd_status(conn: Connector, args: argparse.Namespace, out: Output) -> int:
    if args.order_id:
        order = conn.order_status(args.order_id)
        if out.as_json:
            out.json(order)
            return ExitCode.OK
        out.line(
            f"{order.get('number') or order.get('id')}  "
            f"({order.get('external_order_id') or args.order_id}): {order.get('status')}"
        )
        if order.get("cart_url"):
            out.line(
                f"  Warenkorb / cart: {order['cart_url']} (bis / until "
                f"{order.get('cart_expires_at')})"
            )
        for line in order.get("lines") or []:
            article = line.get("partner_article_number") or line.get("description") or ""
            state = line.get("line_status") or line.get("status") or ""
            out.line(
                f"  {line.get('position')}. {_quantity(line.get('quantity'))} × {article}"
                f"  {state}".rstrip()
            )
            # What the dispatch notifications carried per unit: the practice software's records
            # (warranty, repairs, the health insurer) need them, and a person reads them here.
            if line.get("serial_numbers"):
                out.line(
                    "     Seriennummern / serial numbers: " + ", ".join(line["serial_numbers"])
                )
            if line.get("lot_numbers"):
                out.line("     Chargen / lots: " + ", ".join(line["lot_numbers"]))
        for change in order.get("changes") or []:  # changes after sending (see `change`)
            status = str(change.get("status") or "")
            text = f"  {change.get('number')}  {change.get('kind')}: {_CHANGE_STATUS.get(status, status)}"
            if change.get("answer_note"):
                text += f" – {change['answer_note']}"
            out.line(text)
        for event in order.get("events") or []:
            change = event.get("to_status") or event.get("status") or ""
            if event.get("from_status"):
                change = f"{event['from_status']} → {change}"
            note = event.get("reason") or event.get("message") or ""
            out.line(f"  {event.get('at') or ''}  {change}  {note}".rstrip())
        return ExitCode.OK
    orders = conn.list_orders()
    if out.as_json:
        out.json(orders)
        return ExitCode.OK
    if not orders:
        out.line("Keine Bestellungen. / No orders.")
        return ExitCode.OK
    rows = [["Nummer / number", "Praxis-ID / practice id", "Status", "Geändert / updated"]]
    for order in orders:
        rows.append(
            [
                str(order.get("number") or order.get("id")),
                str(order.get("external_order_id") or ""),
                str(order.get("status")),
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
        out.line(
            f"Wareneingang {number} war schon gebucht. / Goods receipt {number} was booked before."
        )
    else:
        out.line(f"Wareneingang {number} gebucht. / Goods receipt {number} booked.")
    for line in receipt.get("lines") or []:
        serials = ", ".join(line.get("serial_numbers") or [])
        out.line(
            f"  Pos. {line.get('position')}: {_quantity(line.get('quantity'))}"
            + (f"  ({serials})" if serials else "")
        )
    differences = receipt.get("differences") or []
    if differences:
        out.line(f"{len(differences)} Abweichung(en) / difference(s):")
        for d in differences:
            out.line(f"  ! {d.get('message')}")
            out.line(f"    {d.get('message_en')}")
    else:
        out.line("Keine Abweichungen. / No differences.")
    return ExitCode.OK


_CHANGE_STATUS = {
    "requested": "angefragt / requested",
    "sent": "an den Partner gesendet / sent to the partner",
    "accepted": "angenommen / accepted",
    "refused": "abgelehnt / refused",
    "failed": "nicht zustellbar / undeliverable",
}


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
    de, en = ("Stornierung", "Cancellation") if cancel else ("Änderung", "Change")
    if change.get("asked_before"):
        out.line(f"{de} {number} war schon angefragt. / {en} {number} was asked for before.")
    else:
        out.line(f"{de} {number} angefragt. / {en} {number} asked for.")
    for line in change.get("lines") or []:
        if line.get("removed"):
            out.line(f"  Pos. {line.get('position')}: entfernen / remove")
            continue
        parts = []
        if line.get("quantity") is not None:
            parts.append(f"Menge / quantity {_quantity(line.get('quantity'))}")
        if line.get("delivery_date"):
            parts.append(f"Liefertermin / delivery date {line.get('delivery_date')}")
        out.line(f"  Pos. {line.get('position')}: " + ", ".join(parts))
    for hint in change.get("pair_hints") or []:  # one side of a binaural pair only
        out.line(f"  Hinweis: {hint.get('message')} / Note: {hint.get('message_en')}")
    status = str(change.get("status") or "")
    out.line(f"Status: {_CHANGE_STATUS.get(status, status)}")
    if change.get("answer_note"):
        out.line(f"Partner: {change.get('answer_note')}")
    if status in ("requested", "sent"):
        out.line(
            "Der Partner muss zustimmen; „status“ zeigt seine Antwort. / The partner has to agree; "
            "'status' shows the answer."
        )
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
            for text in exc.lines():
                print(text, file=sys.stderr)
            updates = None
        if updates is not None:
            if out.as_json:
                out.json([u.as_dict() for u in updates])
            else:
                for u in updates:
                    out.line(
                        f"{u.external_order_id or '–'} ({u.number or u.order_id}): "
                        f"{u.status}  {u.updated_at or ''}".rstrip()
                    )
                if args.once and not updates:
                    out.line("Keine Änderungen. / No changes.")
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


def _describe_conflict(conflict: Any) -> str:
    if not isinstance(conflict, dict):
        return str(conflict)
    if "field" in conflict and ("dashboard_value" in conflict or "source_value" in conflict):
        record = " ".join(
            str(conflict[k]) for k in ("record_type", "record_id") if conflict.get(k) is not None
        )
        return (
            f"{record}: {conflict['field']} – Dashboard {conflict.get('dashboard_value')!r}, "
            f"Praxissoftware / practice software {conflict.get('source_value')!r}"
        )
    return ", ".join(f"{k}={v}" for k, v in conflict.items())


def _describe_issue(issue: dict[str, Any]) -> str:
    position = issue.get("position")
    where = f"Pos. {position}: " if position is not None else ""
    messages = [m for m in (issue.get("message"), issue.get("message_en")) if m]
    text = f"{where}{issue.get('code', '')} – {' / '.join(dict.fromkeys(messages))}"
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
        text += f" (Vorschläge / candidates: {', '.join(names)})"
    return text
