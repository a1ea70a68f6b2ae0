"""Which firm's orders go through OrderHub (SPEC §3.5), with the reason and warnings.

The rule: order form *interface*, a partner, and a customer number → OrderHub — unless an
active firm-specific interface exists, which keeps precedence. Everything else is ordered by
hand (e-mail, fax, print) or through the specific interface. Each decision carries a
bilingual explanation so the practice sees *why*, and warnings point at firms that look
misconfigured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import Message
from .practice import Firm

SPECIFIC_INTERFACE = "specific_interface"
ORDERHUB = "orderhub"
MANUAL = "manual"

_ORDER_FORM_LABEL = {
    "interface": ("Schnittstelle", "interface"),
    "email": ("E-Mail", "e-mail"),
    "fax": ("Fax", "fax"),
    "print": ("Druck", "print"),
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
    form_de, form_en = _ORDER_FORM_LABEL.get(firm.order_form, (firm.order_form, firm.order_form))
    warnings: list[Message] = []
    specific = firm.specific_interface
    partner = firm.partner

    if partner and known_partners is not None and partner not in known_partners:
        warnings.append(
            Message(
                "unknown_partner",
                f"Partnerfirma „{partner}“ ist dem Portal unbekannt – Schreibweise prüfen.",
                f"Partner '{partner}' is unknown to the portal – check the spelling.",
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
                Message(
                    "order_form_not_interface",
                    f"Die Firma ist OrderHub-Partnerfirma („{partner}“), aber die Bestellform ist "
                    f"„{form_de}“ – für OrderHub auf „Schnittstelle“ stellen.",
                    f"The firm is an OrderHub partner ('{partner}') but its order form is "
                    f"'{form_en}' – set it to 'interface' to order through OrderHub.",
                )
            )
        return route(
            MANUAL,
            Message(
                "order_form",
                f"Bestellform „{form_de}“: Bestellungen werden von Hand verschickt.",
                f"Order form '{form_en}': orders are sent by hand.",
            ),
        )

    if specific and specific.active:
        if partner:
            warnings.append(
                Message(
                    "specific_interface_shadows_orderhub",
                    f"Die aktive firmenspezifische Schnittstelle „{specific.name}“ hat Vorrang; "
                    f"OrderHub wird für diese Firma erst nach deren Deaktivierung genutzt.",
                    f"The active firm-specific interface '{specific.name}' takes precedence; "
                    f"OrderHub is used for this firm only once it is deactivated or deleted.",
                )
            )
            if not firm.has_customer_number:
                warnings.append(_missing_customer_number(partner))
        return route(
            SPECIFIC_INTERFACE,
            Message(
                "specific_interface_active",
                f"Firmenspezifische Schnittstelle „{specific.name}“ ist aktiv und hat Vorrang.",
                f"Firm-specific interface '{specific.name}' is active and takes precedence.",
            ),
        )

    inactive_note_de = inactive_note_en = ""
    if specific and not specific.active:
        inactive_note_de = f" (Schnittstelle „{specific.name}“ ist deaktiviert)"
        inactive_note_en = f" (interface '{specific.name}' is deactivated)"

    if not partner:
        warnings.append(
            Message(
                "no_interface",
                f"Bestellform „Schnittstelle“, aber weder eine aktive firmenspezifische "
                f"Schnittstelle noch eine OrderHub-Partnerfirma{inactive_note_de}.",
                f"Order form 'interface', but neither an active firm-specific interface nor an "
                f"OrderHub partner{inactive_note_en}.",
            )
        )
        return route(
            MANUAL,
            Message(
                "no_partner",
                "Keine OrderHub-Partnerfirma und keine aktive Schnittstelle: Bestellung von Hand.",
                "Not an OrderHub partner and no active interface: order by hand.",
            ),
        )

    if not firm.has_customer_number:
        warnings.append(_missing_customer_number(partner))
        return route(
            MANUAL,
            Message(
                "customer_number_missing",
                f"Partnerfirma „{partner}“, aber keine Kundennummer eingetragen: Bestellungen gehen "
                f"erst mit Kundennummer über OrderHub.",
                f"Partner '{partner}' but no customer number entered: orders go through OrderHub "
                f"only once a customer number is entered.",
            ),
        )

    numbers_de = _numbers_text(firm, "Kundennummer", "Filiale")
    numbers_en = _numbers_text(firm, "customer number", "branch")
    if not firm.customer_number and branch_names is not None:
        uncovered = [b for b in branch_names if b not in firm.branch_customer_numbers]
        if uncovered:
            warnings.append(
                Message(
                    "customer_number_missing_for_branches",
                    f"Keine Kundennummer für Filiale(n) {', '.join(uncovered)}: Bestellungen von "
                    f"dort öffnen einen Warenkorb.",
                    f"No customer number for branch(es) {', '.join(uncovered)}: orders from there "
                    f"open a cart.",
                )
            )
    return route(
        ORDERHUB,
        Message(
            "orderhub",
            f"Bestellform „Schnittstelle“, Partnerfirma „{partner}“, {numbers_de}"
            f"{inactive_note_de}.",
            f"Order form 'interface', partner '{partner}', {numbers_en}{inactive_note_en}.",
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
    return Message(
        "partner_without_customer_number",
        f"Partnerfirma „{partner}“ ohne Kundennummer – bitte die Kundennummer eintragen.",
        f"Partner '{partner}' without a customer number – please enter the customer number.",
    )


def _numbers_text(firm: Firm, label: str, branch_label: str) -> str:
    """E.g. "Kundennummer K-4711 (Filiale F3: K-4711-P)"."""
    per_branch = ", ".join(
        f"{branch_label} {b}: {n}" for b, n in sorted(firm.branch_customer_numbers.items())
    )
    if firm.customer_number:
        return f"{label} {firm.customer_number}" + (f" ({per_branch})" if per_branch else "")
    return f"{label} {per_branch}"
