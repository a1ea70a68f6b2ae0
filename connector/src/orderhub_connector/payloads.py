"""The bodies the connector sends, built from practice data — exactly SPEC §3.3 and §4.

Nothing personal leaves the practice unless it is named here: the snapshot is assembled field
by field, never by copying the export.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .errors import PracticeDataError
from .i18n import Text, text
from .practice import AttachmentRef, Firm, Order, PracticeData


def build_snapshot(data: PracticeData) -> dict[str, Any]:
    """The master-data snapshot for ``PUT /api/v1/masterdata`` and registration."""
    return {
        "company": {"name": data.company.name},
        "branches": [
            {
                "id": b.id,
                "name": b.name,
                "street": b.street,
                "postal_code": b.postal_code,
                "city": b.city,
                "country": b.country,
            }
            for b in data.branches
        ],
        "users": [
            {
                "id": u.id,
                "name": u.name,
                "email": u.email,
                "phone": u.phone,
                "branch_ids": list(u.branch_ids),
                "is_admin": u.is_admin,
            }
            for u in data.users
        ],
        "customer_numbers": customer_numbers(data),
    }


def customer_numbers(data: PracticeData) -> list[dict[str, Any]]:
    """Customer numbers of every firm that is an OrderHub partner, company-wide and per branch.

    Two firms may map to the same partner (e.g. a manufacturer and its accessories line); the
    same number twice is fine, two different numbers for one partner and branch are refused.
    """
    found: dict[tuple[str, str | None], tuple[str, str]] = {}
    problems: list[Text] = []
    for firm in data.firms:
        if not firm.partner:
            continue
        entries: list[tuple[str | None, str]] = []
        if firm.customer_number:
            entries.append((None, firm.customer_number))
        entries.extend(sorted(firm.branch_customer_numbers.items()))
        for branch_id, number in entries:
            key = (firm.partner, branch_id)
            if key in found and found[key][1] != number:
                scope = (
                    text("Filiale {branch}", branch=branch_id) if branch_id else text("Unternehmen")
                )
                conflict = text(
                    "{partner}: {scope} – „{number}“ ({firm}) ≠ „{other_number}“ ({other_firm})",
                    partner=firm.partner,
                    scope=scope,
                    number=found[key][1],
                    firm=found[key][0],
                    other_number=number,
                    other_firm=firm.id,
                )
                # --json has always carried it so: the German, then the English scope
                problems.append(Text(conflict.de, conflict.en, both=f"{conflict.de} / {scope.en}"))
            found.setdefault(key, (firm.id, number))
    if problems:
        raise PracticeDataError(
            text("Widersprüchliche Kundennummern für dieselbe Partnerfirma."), details=problems
        )
    return [
        {"partner": partner, "customer_number": number, "branch_id": branch_id}
        for (partner, branch_id), (_firm, number) in found.items()
    ]


def build_order_payload(
    order: Order, firm: Firm, attachment_ids: dict[AttachmentRef, str] | None = None
) -> dict[str, Any]:
    """The body of ``POST /api/v1/orders`` (SPEC §4 "Order submission"); ``attachment_ids``: the
    portal's id of each uploaded file (``Connector.upload_attachments``), named by its line."""
    ids = attachment_ids or {}
    if not firm.partner:
        raise PracticeDataError(
            text("Firma „{firm}“ ist keine OrderHub-Partnerfirma.", firm=firm.name)
        )
    lines = []
    for line in order.lines:
        attributes = {}
        if line.side:
            attributes["side"] = line.side
        if line.colour:
            attributes["color"] = line.colour
        entry: dict[str, Any] = {
            "position": line.position,
            "quantity": line.quantity,
            "unit": line.unit,
            "partner_article_number": line.article_number,
            "gtin": line.gtin,
            "hmv_number": line.hmv_number,
            "manufacturer_article_number": line.manufacturer_article_number,
            "description": line.description,
            "attributes": attributes,
        }
        if line.options:  # issue 17; only where set, so older orders keep their body (and key)
            entry["options"] = dict(line.options)
        if line.pair:
            entry["pair"] = line.pair
        if line.attachments:  # issue 17; only where named, like options
            entry["attachments"] = [ids[ref] for ref in line.attachments if ref in ids]
        lines.append(entry)
    body: dict[str, Any] = {
        "external_order_id": order.id,
        "partner": firm.partner,
        "branch_id": order.branch_id,
        "ordered_by": order.ordered_by,
        "customer_number": firm.customer_number_for(order.branch_id),
        "reference": order.reference,
        "note": order.note,
        "lines": lines,
    }
    for name in ("order_type", "original_order", "return_date", "fitting_reference"):
        value = getattr(order, name)
        if value:
            body[name] = value
    if order.attachments:
        body["attachments"] = [ids[ref] for ref in order.attachments if ref in ids]
    return body


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def idempotency_key(portal_url: str, external_order_id: str, body: dict[str, Any]) -> str:
    """A key that is the same for the same order to the same portal, and only then.

    Derived, not random, so a retry after a crash or a lost answer — even from a fresh
    process — sends the same key and the portal returns its first answer (SPEC §3.6). A changed
    body gives a new key; the portal then refuses the reused ``external_order_id`` itself.
    """
    material = "\n".join(
        [
            "orderhub-connector/order/v1",
            portal_url.rstrip("/"),
            external_order_id,
            canonical_json(body),
        ]
    )
    return "ohc-" + hashlib.sha256(material.encode("utf-8")).hexdigest()


def body_digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()
