"""Which firm's orders go through OrderHub (SPEC §3.5), with the reason and warnings.

The rule: order form *interface*, a partner, and a customer number → OrderHub — unless an
active firm-specific interface exists, which keeps precedence. Everything else is ordered by
hand (e-mail, fax, print) or through the specific interface. Each decision carries an
explanation (a ``Message``: a code with the sentence in German and English, see :mod:`.i18n`)
so the practice sees *why*, and warnings point at firms that look misconfigured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import Message
from .i18n import Text, text
from .practice import Firm

SPECIFIC_INTERFACE = "specific_interface"
ORDERHUB = "orderhub"
MANUAL = "manual"

_ORDER_FORM_LABEL = {
    "interface": text("Schnittstelle"),
    "email": text("E-Mail"),
    "fax": text("Fax"),
    "print": text("Druck"),
}


@dataclass(frozen=True)
class FirmRoute:
    firm_id: str
    firm_name: str
    partner: str | None
    order_form: str
    destination: str
    reason: Message
    warnings: tuple[Message, ...] = field(default_factory=tuple)

    @property
    def via_orderhub(self) -> bool:
        return self.destination == ORDERHUB

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["warnings"] = [asdict(w) for w in self.warnings]
        return data


def route_firm(
    firm: Firm,
    *,
    known_partners: Mapping[str, dict[str, Any]] | None = None,
    branch_names: Mapping[str, str] | None = None,
) -> FirmRoute:
    """Decide where ``firm``'s orders go.

    ``known_partners`` (slug → partner item from ``GET /api/v1/partners``) is optional; when
    given, partner slugs the portal does not know are warned about.
    """
    form = _ORDER_FORM_LABEL.get(firm.order_form) or Text(firm.order_form, firm.order_form)
    warnings: list[Message] = []
    specific = firm.specific_interface
    partner = firm.partner

    if partner and known_partners is not None and partner not in known_partners:
        warnings.append(
            Message.of(
                "unknown_partner",
                "Partnerfirma „{partner}“ ist dem Portal unbekannt – Schreibweise prüfen.",
                partner=partner,
            )
        )

    def route(destination: str, reason: Message) -> FirmRoute:
        return FirmRoute(
            firm_id=firm.id,
            firm_name=firm.name,
            partner=partner,
            order_form=firm.order_form,
            destination=destination,
            reason=reason,
            warnings=tuple(warnings),
        )

    if firm.order_form != "interface":
        if partner:
            warnings.append(
                Message.of(
                    "order_form_not_interface",
                    "Die Firma ist OrderHub-Partnerfirma („{partner}“), aber die Bestellform ist "
                    "„{form}“ – für OrderHub auf „Schnittstelle“ stellen.",
                    partner=partner,
                    form=form,
                )
            )
        return route(
            MANUAL,
            Message.of(
                "order_form",
                "Bestellform „{form}“: Bestellungen werden von Hand verschickt.",
                form=form,
            ),
        )

    if specific and specific.active:
        if partner:
            warnings.append(
                Message.of(
                    "specific_interface_shadows_orderhub",
                    "Die aktive firmenspezifische Schnittstelle „{name}“ hat Vorrang; OrderHub "
                    "wird für diese Firma erst nach deren Deaktivierung genutzt.",
                    name=specific.name,
                )
            )
            if not firm.has_customer_number:
                warnings.append(_missing_customer_number(partner))
        return route(
            SPECIFIC_INTERFACE,
            Message.of(
                "specific_interface_active",
                "Firmenspezifische Schnittstelle „{name}“ ist aktiv und hat Vorrang.",
                name=specific.name,
            ),
        )

    inactive_note = Text("", "")
    if specific and not specific.active:
        inactive_note = text(" (Schnittstelle „{name}“ ist deaktiviert)", name=specific.name)

    if not partner:
        warnings.append(
            Message.of(
                "no_interface",
                "Bestellform „Schnittstelle“, aber weder eine aktive firmenspezifische "
                "Schnittstelle noch eine OrderHub-Partnerfirma{note}.",
                note=inactive_note,
            )
        )
        return route(
            MANUAL,
            Message.of(
                "no_partner",
                "Keine OrderHub-Partnerfirma und keine aktive Schnittstelle: Bestellung von Hand.",
            ),
        )

    if not firm.has_customer_number:
        warnings.append(_missing_customer_number(partner))
        return route(
            MANUAL,
            Message.of(
                "customer_number_missing",
                "Partnerfirma „{partner}“, aber keine Kundennummer eingetragen: Bestellungen gehen "
                "erst mit Kundennummer über OrderHub.",
                partner=partner,
            ),
        )

    numbers = _numbers_text(firm)
    if not firm.customer_number and branch_names is not None:
        uncovered = [b for b in branch_names if b not in firm.branch_customer_numbers]
        if uncovered:
            warnings.append(
                Message.of(
                    "customer_number_missing_for_branches",
                    "Keine Kundennummer für Filiale(n) {branches}: Bestellungen von dort öffnen "
                    "einen Warenkorb.",
                    branches=", ".join(uncovered),
                )
            )
    return route(
        ORDERHUB,
        Message.of(
            "orderhub",
            "Bestellform „Schnittstelle“, Partnerfirma „{partner}“, {numbers}{note}.",
            partner=partner,
            numbers=numbers,
            note=inactive_note,
        ),
    )


def route_firms(
    firms: Iterable[Firm],
    *,
    known_partners: Mapping[str, dict[str, Any]] | None = None,
    branch_names: Mapping[str, str] | None = None,
) -> list[FirmRoute]:
    return [route_firm(f, known_partners=known_partners, branch_names=branch_names) for f in firms]


def _missing_customer_number(partner: str) -> Message:
    return Message.of(
        "partner_without_customer_number",
        "Partnerfirma „{partner}“ ohne Kundennummer – bitte die Kundennummer eintragen.",
        partner=partner,
    )


def _numbers_text(firm: Firm) -> Text:
    """E.g. "Kundennummer K-4711 (Filiale F3: K-4711-P)"."""
    per_branch = [
        text("Filiale {branch}: {number}", branch=b, number=n)
        for b, n in sorted(firm.branch_customer_numbers.items())
    ]
    listed = Text(", ".join(t.de for t in per_branch), ", ".join(t.en for t in per_branch))
    if not firm.customer_number:
        return text("Kundennummer {numbers}", numbers=listed)
    if per_branch:
        return text(
            "Kundennummer {number} ({numbers})", number=firm.customer_number, numbers=listed
        )
    return text("Kundennummer {number}", number=firm.customer_number)
