"""Turning an Order into the format-neutral OrderDocument that every channel renders."""

from __future__ import annotations

from decimal import Decimal

from orderhub.attachments.links import Carried, document_attachments
from orderhub.formats import options as opts
from orderhub.formats.documents import OrderDocument, OrderItem, Party
from orderhub.ordering import hearing
from orderhub.ordering.models import Order


def build(order: Order, carried: Carried | None = None) -> OrderDocument:
    """``carried``: the order's as ``attachments.links.documents_attachments`` read them for a
    batch; read here when not given."""
    company, branch, partner, user = order.company, order.branch, order.partner, order.ordered_by
    buyer = Party(
        role="buyer",
        party_id=order.customer_number or None,
        name=company.name,
        street=branch.street,
        postal_code=branch.postal_code,
        city=branch.city,
        country=branch.country or "DE",
        email=user.email or None,
        phone=user.phone or None,
        contact=user.name,
    )
    delivery = Party(
        role="delivery",
        party_id=order.customer_number or None,
        name=f"{company.name} — {branch.name}",
        street=branch.street,
        postal_code=branch.postal_code,
        city=branch.city,
        country=branch.country or "DE",
    )
    supplier = Party(
        role="supplier",
        party_id=partner.edi_id or partner.slug,
        gln=partner.gln or None,
        name=partner.name,
        street=partner.street,
        postal_code=partner.postal_code,
        city=partner.city,
        country=partner.country or "DE",
    )
    attachments, line_attachments = document_attachments(order) if carried is None else carried
    items = []
    for line in order.lines.all():
        if line.removed:
            continue
        snap = line.article_snapshot or {}
        price = snap.get("price")
        items.append(
            OrderItem(
                line_no=line.position,
                quantity=_plain(line.quantity),
                unit=snap.get("order_unit") or line.unit or "C62",
                supplier_article_number=snap.get("partner_article_number")
                or line.partner_article_number,
                gtin=snap.get("gtin") or None,
                hmv_number=snap.get("hmv_number") or None,
                manufacturer_article_number=snap.get("manufacturer_article_number") or None,
                description=snap.get("description") or line.description,
                price=Decimal(price) if price else None,
                attributes=hearing.free_attributes(line.attributes),
                options=hearing.line_options(line),
                pair=line.pair,
                attachments=line_attachments.get(line.position, []),
            )
        )
    return OrderDocument(
        order_number=order.number,
        order_date=order.ordered_at or order.created_at,
        buyer=buyer,
        supplier=supplier,
        delivery=delivery,
        customer_number=order.customer_number,
        reference=order.reference,
        note=order.note,
        sender_id="ORDERHUB",
        recipient_id=partner.gln or partner.edi_id or partner.slug.upper(),
        items=items,
        order_type=order.order_type,
        original_order_number=order.original_order.number if order.original_order else "",
        return_date=order.return_date,
        fitting_reference=order.fitting_reference,
        option_terms=_option_terms(partner),
        attachments=attachments,
    )


def _option_terms(partner) -> dict:
    """How the partner names options in its catalog (``channel_config.option_terms``, see
    docs/partner-formats.md); an unusable configuration is ignored rather than failing orders."""
    terms = (partner.channel_config or {}).get("option_terms") or {}
    return dict(terms) if not opts.check_terms(terms) else {}


def _plain(quantity: Decimal) -> Decimal:
    """2.000 → 2 and 1.500 → 1.5 (``normalize`` alone would turn 10 into 1E+1)."""
    return (
        quantity.to_integral_value()
        if quantity == quantity.to_integral_value()
        else quantity.normalize()
    )
