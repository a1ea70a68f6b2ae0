"""The format-neutral order and answer documents every partner format reads and writes.

An :class:`OrderDocument` is what OrderHub sends to a partner; a :class:`PartnerAnswer` is what
comes back (order response or dispatch notification). The format modules (``opentrans``,
``edifact``, ``partner_json``, ``order_pdf``) translate between these dataclasses and bytes, so the
rest of OrderHub never touches XML or EDIFACT.

Conventions shared by all formats:

* ``OrderDocument.order_number`` is OrderHub's order number; partners use it to deduplicate.
* ``OrderDocument.customer_number`` is the buyer's account number at the partner. Writers fall back
  to ``buyer.party_id`` when it is empty; parsers fill both from the one value the format carries.
* Datetimes are timezone-aware. Formats that carry no offset (EDIFACT ``DTM``, openTRANS dates
  without offset) are read as German local time (Europe/Berlin), see :func:`aware`.
* Quantities and prices are :class:`~decimal.Decimal`; units are UN/ECE Rec. 20 codes (``C62`` =
  piece).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from .options import OptionValue, OrderFacts

#: Line statuses an answer can carry: an order response says per line ``confirmed`` (as ordered),
#: ``changed`` (quantity, date or price differ), ``substituted`` (another article is delivered),
#: ``backordered`` (part or all of it follows later) or ``rejected``; a dispatch notification
#: says ``shipped``.
LINE_STATUSES = ("confirmed", "changed", "substituted", "backordered", "rejected", "shipped")
#: Kinds of partner answers.
ANSWER_KINDS = ("order_response", "dispatch_notification")
#: Party roles an order knows.
PARTY_ROLES = ("buyer", "supplier", "delivery", "invoice")

#: The time zone assumed for date-times that carry no offset.
LOCAL_TZ = ZoneInfo("Europe/Berlin")


@dataclass
class Party:
    role: str  # "buyer" | "supplier" | "delivery" | "invoice"
    party_id: str | None = None  # e.g. customer number at the supplier (buyer), supplier id
    gln: str | None = None  # 13-digit GLN if known
    name: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "DE"
    email: str | None = None
    phone: str | None = None
    contact: str | None = None


@dataclass
class Attachment:
    """A file (or a tracking number) that goes with an order or one line (issue 17).

    Documents carry where the partner downloads it (``url``: signed and expiring), its SHA-256
    and type, never the bytes; a channel that sends the bytes (e-mail) reads them by
    ``storage_name``, which no document contains.
    """

    kind: str  # scan | audiogram | photo | tracking_number
    filename: str = ""
    content_type: str = ""
    size: int = 0
    sha256: str = ""
    url: str = ""
    #: An impression's tracking number (kind ``tracking_number``; no file).
    text: str = ""
    storage_name: str = field(default="", compare=False, repr=False)


@dataclass
class OrderItem:
    line_no: int
    quantity: Decimal
    unit: str = "C62"
    supplier_article_number: str = ""
    gtin: str | None = None
    hmv_number: str | None = None
    manufacturer_article_number: str | None = None
    description: str = ""
    price: Decimal | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    reference: str = ""
    #: Typed options (``orderhub.formats.options``: side, style, colour …) by vocabulary key.
    options: dict[str, OptionValue] = field(default_factory=dict)
    #: Lines with the same pair key are one binaural pair (right and left ear).
    pair: str = ""
    #: Files that go with this line (an ear scan), see :class:`Attachment`.
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class OrderDocument:
    order_number: str  # OrderHub order number = the partner's deduplication key
    order_date: datetime  # timezone-aware
    buyer: Party
    supplier: Party
    delivery: Party | None = None
    customer_number: str = ""
    currency: str = "EUR"
    reference: str = ""
    note: str = ""
    sender_id: str = "ORDERHUB"  # EDI interchange ids (GLN or partner id)
    recipient_id: str = ""
    items: list[OrderItem] = field(default_factory=list)
    #: Issue 17: the kind of order (``options.ORDER_TYPE_CODES``), the order a remake replaces,
    #: when consigned or lent goods go back, and the practice's pseudonymous fitting reference.
    order_type: str = "standard"
    original_order_number: str = ""
    return_date: date | None = None
    fitting_reference: str = ""
    #: Files that go with the whole order (an audiogram), see :class:`Attachment`.
    attachments: list[Attachment] = field(default_factory=list)
    #: How the partner names options in its catalog (``options.Terms``); writers only.
    option_terms: dict[str, dict[str, object]] = field(default_factory=dict, compare=False)

    @property
    def facts(self) -> OrderFacts:
        return OrderFacts(
            order_type=self.order_type or "standard",
            return_date=self.return_date,
            original_order_number=self.original_order_number,
            fitting_reference=self.fitting_reference,
        )

    @property
    def all_attachments(self) -> list[Attachment]:
        """The order's and every line's attachments, each file once (by SHA-256)."""
        seen: set[str] = set()
        out = []
        for a in [*self.attachments, *(a for item in self.items for a in item.attachments)]:
            key = a.sha256 or a.text
            if key not in seen:
                seen.add(key)
                out.append(a)
        return out

    @property
    def buyer_account(self) -> str:
        """The buyer's account at the partner: the customer number, else the buyer's party id."""
        return self.customer_number or (self.buyer.party_id or "")

    @property
    def total_amount(self) -> Decimal | None:
        """Sum of quantity × price, or None when any line has no price."""
        if not self.items:
            return None
        total = Decimal(0)
        for item in self.items:
            if item.price is None:
                return None
            total += item.quantity * item.price
        return total


@dataclass
class AnswerLine:
    line_no: int
    status: str  # one of LINE_STATUSES
    #: Order response: the quantity the partner will deliver in all (now and later);
    #: dispatch notification: the quantity in this dispatch.
    quantity: Decimal | None = None
    #: Set when the partner names another article: a substitute (status ``substituted``) or its own
    #: number for the ordered one.
    supplier_article_number: str | None = None
    delivery_date: date | None = None
    note: str = ""
    unit: str = "C62"  # Rec 20 code of the quantity (answers echo the order line's unit)
    #: Every date the line carries, by meaning ("requested", "promised", "despatched", …).
    dates: dict[str, date] = field(default_factory=dict, compare=False)
    #: The ordered quantity as the partner echoes it (EDIFACT ``QTY+21``), for reference only.
    ordered_quantity: Decimal | None = None
    #: The part of ``quantity`` that follows later (backorder), and when it is expected.
    backordered_quantity: Decimal | None = None
    backorder_date: date | None = None
    #: The net unit price the partner confirms, when it says one.
    price: Decimal | None = None
    #: Dispatch notification: the serial and lot (batch) numbers of the units in this dispatch.
    serial_numbers: list[str] = field(default_factory=list)
    lot_numbers: list[str] = field(default_factory=list)


@dataclass
class PartnerAnswer:
    kind: str  # "order_response" | "dispatch_notification"
    order_number: str
    document_id: str  # partner's own document number (dedupe key together with kind)
    issued_at: datetime
    lines: list[AnswerLine] = field(default_factory=list)
    delivery_date: date | None = None
    tracking_numbers: list[str] = field(default_factory=list)
    carrier: str = ""
    note: str = ""
    sender_id: str = ""  # who sent it (partner id / GLN) if the format carries it
    #: Every date the answer carries, by meaning (``edifact.answer_reader.DATE_MEANINGS``): the
    #: requested, promised, despatch and estimated-arrival dates stay apart; ``delivery_date`` is
    #: the one chosen by the documented rule.
    dates: dict[str, date] = field(default_factory=dict, compare=False)


def aware(value: datetime) -> datetime:
    """Return ``value`` with a time zone, reading naive values as German local time."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return value.replace(tzinfo=LOCAL_TZ)
    return value


def line_status(
    quantity: Decimal | None,
    ordered: OrderItem | None,
    *,
    article: str | None = None,
    backordered: Decimal | None = None,
) -> str:
    """The status of an order-response line derived from quantities, for formats without one.

    Rules (documented in docs/partner-formats.md), first match: quantity 0 → ``rejected``; a
    backordered part → ``backordered``; an article number different from the ordered line →
    ``substituted``; a confirmed quantity different from the ordered one → ``changed``; otherwise
    ``confirmed``. Without the ordered line only the first two rules can be applied.
    """
    if quantity is not None and quantity == 0:
        return "rejected"
    if backordered:
        return "backordered"
    if ordered is not None:
        if article and article != ordered.supplier_article_number:
            return "substituted"
        if quantity is not None and quantity != ordered.quantity:
            return "changed"
    return "confirmed"


def standards_path(*parts: str, standards_dir: str | os.PathLike[str] | None = None) -> Path:
    """Locate a file of the official standards (XSD, EDIFACT directory).

    Order: the ``standards_dir`` argument, the ``ORDERHUB_STANDARDS_DIR`` environment variable,
    then the copies shipped in ``orderhub/formats/standards``.
    """
    if standards_dir is None:
        standards_dir = os.environ.get("ORDERHUB_STANDARDS_DIR") or SHIPPED_STANDARDS
    return Path(standards_dir).joinpath(*parts)


#: The official schemas and message structures shipped with the package (see its README).
SHIPPED_STANDARDS = Path(__file__).resolve().parent / "standards"
