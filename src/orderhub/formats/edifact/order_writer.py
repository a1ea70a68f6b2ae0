"""The ORDERS message OrderHub sends (:func:`write_orders`), one per interchange. Its line writer
is also the ORDCHG's for an added line (:mod:`.changes`).
"""

from __future__ import annotations

from datetime import datetime

from pydifact.segments import Segment

from .. import FormatError
from .. import options as opts
from ..documents import Attachment, OrderDocument, OrderItem, Party
from .syntax import (
    ATTACHMENT_FTX,
    FACTS_FTX,
    OPTION_FTX,
    PRIOR_ORDER_RFF,
    _chunks,
    _decimal_text,
    _dtm_segment,
    _envelope,
    _ftx,
    _identifier,
    _is_gln,
    _nad,
    _seg,
    _text,
    _unb,
    _unit,
)


def _contact(party: Party) -> list[Segment]:
    segments = []
    if _text(party.contact) or _text(party.email) or _text(party.phone):
        segments.append(_seg("CTA", "OC", ["", _text(party.contact)[:35]]))
        if _text(party.email):
            segments.append(_seg("COM", [_identifier(party.email, 512, "email"), "EM"]))
        if _text(party.phone):
            segments.append(_seg("COM", [_text(party.phone)[:512], "TE"]))
    return segments


def write_orders(
    doc: OrderDocument, *, interchange_ref: str, prepared_at: datetime | None = None
) -> bytes:
    """One ORDERS message in one interchange.

    ``prepared_at`` (UNB date/time) defaults to the order date so that a retried delivery of the
    same order produces the same bytes.
    """
    order_number = _identifier(doc.order_number, 35, "order_number")
    if not order_number:
        raise FormatError("an order needs an order number", field="order_number")
    if not doc.items:
        raise FormatError("an order needs at least one line", field="items")
    order_type = doc.order_type or "standard"
    if order_type not in opts.ORDER_TYPE_CODES:
        raise FormatError(f"unknown order type {order_type!r}", field="order_type")
    body = [
        _seg("BGM", opts.EDIFACT_BGM.get(order_type, "220"), order_number, "9"),
        _dtm_segment("137", doc.order_date),
        *_ftx("AAI", doc.note),
        *_order_facts(doc),
        *_attachment_ftx(doc.attachments),
    ]
    if _text(doc.reference):
        body.append(_seg("RFF", ["CR", _text(doc.reference)[:35]]))
    original = _identifier(doc.original_order_number, 35, "original_order_number")
    if original:
        body.append(_seg("RFF", [PRIOR_ORDER_RFF, original]))

    account = _identifier(doc.buyer_account, 35, "customer_number")
    buyer_gln = _identifier(doc.buyer.gln, 35, "buyer.gln")
    if _is_gln(buyer_gln):
        body += _nad("BY", doc.buyer, buyer_gln, "9")
        if account:
            body.append(_seg("RFF", ["IT", account]))
    else:
        body += _nad("BY", doc.buyer, account, "91")
    body += _contact(doc.buyer)
    for qualifier, party in (("SU", doc.supplier), ("DP", doc.delivery)):
        if party is None:
            continue
        gln = _identifier(party.gln, 35, f"{party.role}.gln")
        own_id = _identifier(party.party_id, 35, f"{party.role}.party_id")
        if _is_gln(gln):
            body += _nad(qualifier, party, gln, "9")
            if own_id and qualifier == "SU":
                body.append(_seg("RFF", ["IA", own_id]))
        else:
            body += _nad(qualifier, party, own_id, "92")
        body += _contact(party)
    if _text(doc.currency):
        body.append(_seg("CUX", ["2", _identifier(doc.currency.upper(), 3, "currency"), "9"]))

    for item in doc.items:
        body += _line(item)
    body += [_seg("UNS", "S"), _seg("CNT", ["2", str(len(doc.items))])]
    unb = _unb(doc.sender_id, doc.recipient_id, prepared_at or doc.order_date, interchange_ref)
    return _envelope(unb, "ORDERS", body)


def _facts_ftx(key: str, *values: str) -> Segment:
    return _seg("FTX", "ZZZ", "", FACTS_FTX, [key, *(_text(v)[:70] for v in values)])


def _order_facts(doc: OrderDocument) -> list[Segment]:
    """``FTX+ZZZ++ORD+<name>:<value>[:<label>]`` per fact of the order (issue 17): the
    order type (also when BGM has a code for it), return date, fitting reference."""
    segments = []
    if doc.order_type and doc.order_type != "standard":
        segments.append(
            _facts_ftx(
                "order_type",
                doc.order_type,
                opts.order_type_label(doc.order_type),
                opts.order_type_label(doc.order_type, "en"),
            )
        )
    if doc.return_date:
        segments.append(_facts_ftx("return_date", doc.return_date.isoformat()))
    if _text(doc.fitting_reference):
        segments.append(_facts_ftx("fitting_reference", doc.fitting_reference[:64]))
    return segments


def _attachment_ftx(attachments: list[Attachment]) -> list[Segment]:
    segments = []
    for a in attachments:
        if a.kind == "tracking_number":
            if _text(a.text):
                segments.append(
                    _seg("FTX", "ZZZ", "", ATTACHMENT_FTX, [a.kind, _text(a.text)[:70]])
                )
            continue
        if not a.url:
            continue
        if len(a.url) > 210:
            raise FormatError("an attachment's link is longer than 210 characters", field="url")
        segments.append(
            _seg("FTX", "ZZZ", "", ATTACHMENT_FTX, [a.kind, a.sha256, *_chunks(a.url, 70, 3)])
        )
    return segments


def _option_segments(item: OrderItem) -> tuple[list[Segment], list[Segment]]:
    """(IMD, FTX) segments of a line's options: the colour as ``IMD`` with EANCOM's item
    characteristic 35 (``B`` code and text, ``F`` text only; code agency 91 = the supplier's
    code), every other option as ``FTX+ZZZ++OPT+<key>:<value>[:<code>]``, and the pair as
    ``FTX+ZZZ++ORD+pair:<key>``."""
    imd, ftx = [], []
    for key in opts.OPTION_KEYS:
        option = item.options.get(key)
        if option is None:
            continue
        characteristic = opts.EDIFACT_IMD.get(key)
        if characteristic and key == "colour":
            code, name = _text(option.code)[:17], _text(option.name)[:35]
            imd.append(
                _seg(
                    "IMD",
                    "B" if code else "F",
                    characteristic,
                    [code, "", "91" if code else "", name],
                )
            )
            continue
        ftx.append(
            _seg(
                "FTX",
                "ZZZ",
                "",
                OPTION_FTX,
                [key, _text(option.value)[:70], _text(option.code)[:70]],
            )
        )
    if _text(item.pair):
        ftx.append(_facts_ftx("pair", item.pair[:20]))
    return imd, ftx


def _line(item: OrderItem) -> list[Segment]:
    if not 0 < item.line_no < 1_000_000:
        raise FormatError(
            f"line number {item.line_no} does not fit EDIFACT (1…999999)", field="line_no"
        )
    gtin = _identifier(item.gtin, 35, "gtin")
    # A 14-digit GTIN (how OrderHub keeps them) has EANCOM item type "SRV" (GTIN); "EN" is
    # the EAN-13/EAN-8 article number.
    segments = [
        _seg("LIN", str(item.line_no), "", [gtin, "SRV" if len(gtin) == 14 else "EN"])
        if gtin
        else _seg("LIN", str(item.line_no))
    ]
    ids = []
    article = _identifier(item.supplier_article_number, 35, "supplier_article_number")
    if article:
        ids.append([article, "SA"])
    manufacturer = _identifier(item.manufacturer_article_number, 35, "manufacturer_article_number")
    if manufacturer:
        ids.append([manufacturer, "MF"])
    hmv = _identifier(item.hmv_number, 35, "hmv_number")
    if hmv:
        ids.append([hmv, "ZZZ", "HMV"])
    if ids:
        segments.append(_seg("PIA", "1", *ids))
    description = _chunks(_text(item.description), 35, 2 * 99)
    for i in range(0, len(description), 2):
        segments.append(_seg("IMD", "F", "", ["", "", "", *description[i : i + 2]]))
    option_imd, option_ftx = _option_segments(item)
    segments += option_imd
    quantity = ["21", _decimal_text(item.quantity)]
    unit = _unit(item.unit, item.line_no)
    if unit != "C62":
        quantity.append(unit)
    segments.append(_seg("QTY", quantity))
    segments += option_ftx
    segments += _attachment_ftx(item.attachments)
    for key, value in item.attributes.items():
        if opts.option_key(key) in item.options:
            continue  # the typed option says it
        key, value = _text(key)[:70], _text(value)
        if key:
            segments.append(_seg("FTX", "ZZZ", "", "", [key, *_chunks(value, 70, 4)]))
    if item.price is not None:
        segments.append(_seg("PRI", ["AAA", _decimal_text(item.price)]))
    if _text(item.reference):
        segments.append(_seg("RFF", ["CR", _text(item.reference)[:35]]))
    return segments


__all__ = ["write_orders"]
