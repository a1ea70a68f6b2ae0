"""Order submission payload (SPEC §4 "Order submission")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from orderhub.formats.options import ORDER_TYPE_CODES

#: Attribute names and values are short words (side, colour, model); a limit on every stored text.
AttributeName = Annotated[str, StringConstraints(min_length=1, max_length=50)]
AttributeValue = Annotated[str, StringConstraints(max_length=200)]
#: Issue 17: the order types (``orderhub.formats.options.ORDER_TYPES``).
OrderTypeCode = Literal[
    "standard", "express", "consignment", "trial", "loaner", "remake", "repair", "return"
]
assert set(OrderTypeCode.__args__) == set(ORDER_TYPE_CODES)  # type: ignore[attr-defined]
#: A pair key or a fitting reference: a short pseudonym, never a name (no spaces).
PSEUDONYM = r"^[A-Za-z0-9][A-Za-z0-9._/#-]*$"
#: An attachment's id (a UUID, as ``POST /api/v1/attachments`` answered it).
AttachmentId = Annotated[str, StringConstraints(min_length=32, max_length=36)]


class Strict(BaseModel):
    """Inputs are plain pydantic models, validated once.

    Ninja's ``Schema`` runs its wrap validator a second time for every ``extra="forbid"`` model
    (and so 4× for nested lines); inputs never come from ORM objects, so they need none of it.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LineIn(Strict):
    position: int = Field(ge=1, le=9999)
    quantity: Decimal = Field(gt=0, le=100_000, max_digits=12, decimal_places=3)
    unit: str = Field("C62", min_length=1, max_length=10)
    partner_article_number: str | None = Field(None, max_length=100)
    gtin: str | None = Field(None, max_length=20)
    hmv_number: str | None = Field(None, max_length=20)
    manufacturer_article_number: str | None = Field(None, max_length=100)
    description: str = Field("", max_length=300)
    attributes: dict[AttributeName, AttributeValue] = Field(default_factory=dict, max_length=20)
    #: Typed options (``orderhub.formats.options``; docs/partner-formats.md "Options and order
    #: types"): a string (the value, a colour's name) or ``{"value", "code"}`` / colour
    #: ``{"code", "name"}`` per key; validated at intake, errors name ``lines[i].options.<key>``.
    options: dict[AttributeName, Any] = Field(default_factory=dict, max_length=20)
    #: Two lines with the same key (one ``options.side`` R, one L) are one binaural pair.
    pair: str | None = Field(None, min_length=1, max_length=20, pattern=PSEUDONYM)
    #: Issue 17: ids of the company's attachments (``POST /api/v1/attachments``) for this line.
    attachments: list[AttachmentId] = Field(default_factory=list, max_length=20)

    @field_validator("pair", mode="before")
    @classmethod
    def empty_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class OrderIn(Strict):
    external_order_id: str = Field(min_length=1, max_length=64)
    partner: str = Field(min_length=1, max_length=50)
    branch_id: str = Field(min_length=1, max_length=64)
    ordered_by: str = Field(min_length=1, max_length=64)
    customer_number: str | None = Field(None, max_length=64)
    reference: str = Field("", max_length=200)
    note: str = Field("", max_length=2000)
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    order_type: OrderTypeCode = "standard"
    #: A remake (required), repair or return names the order it refers to: number or id.
    original_order: str | None = Field(None, min_length=1, max_length=64)
    #: Required for consignment (Kommission) and loaner orders, allowed for trial orders.
    return_date: date | None = None
    #: The practice's pseudonymous fitting reference (Versorgung), never the patient's name.
    fitting_reference: str | None = Field(None, min_length=1, max_length=64, pattern=PSEUDONYM)
    #: Issue 17: ids of the company's attachments for the whole order.
    attachments: list[AttachmentId] = Field(default_factory=list, max_length=20)

    @property
    def names_attachments(self) -> bool:
        return bool(self.attachments) or any(line.attachments for line in self.lines)

    @field_validator("original_order", "fitting_reference", mode="before")
    @classmethod
    def empty_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("lines")
    @classmethod
    def positions_are_unique(cls, lines: list[LineIn]) -> list[LineIn]:
        seen = set()
        for line in lines:
            if line.position in seen:
                raise ValueError(f"position {line.position} appears twice")
            seen.add(line.position)
        return lines


class CandidateOut(Schema):
    article_id: int
    partner_article_number: str
    description: str
    gtin: str | None = None
    hmv_number: str | None = None
    status: str
    score: float
    reason: str
    reason_en: str = ""
    #: why, as reason parts ``{"code", …}`` (docs/api.md)
    why: list[dict[str, Any]] = []


class IssueOut(Schema):
    position: int | None
    code: str
    #: the values the sentence names, for software (``kind``, ``count``, ``number`` …)
    params: dict[str, Any] = {}
    message: str
    message_en: str
    candidates: list[CandidateOut] = []


class OrderCreatedOut(Schema):
    id: str
    number: str
    status: str
    cart_url: str | None
    cart_expires_at: str | None
    issues: list[IssueOut]


class OrderSummaryOut(Schema):
    id: str
    number: str
    external_order_id: str
    partner: str
    branch_id: str
    ordered_by: str
    customer_number: str | None
    reference: str
    status: str
    created_at: str
    updated_at: str
    cart_url: str | None
    cart_expires_at: str | None
    tracking_numbers: list[str]
    carrier: str | None
    delivery_date: str | None
    order_type: str = "standard"
    original_order: str | None = None
    return_date: str | None = None
    fitting_reference: str | None = None


class OrderListOut(Schema):
    items: list[OrderSummaryOut]
    next_cursor: str | None


class LineOut(Schema):
    """One order line: as ordered, as identified, and what the partner answered and shipped.

    Quantities are decimal strings. ``confirmed_quantity`` is what the partner delivers in all
    (now and later; null until it answered), ``backordered_quantity`` the part that follows later
    (expected ``backorder_date``), ``shipped_quantity`` the sum of the shipments, and
    ``outstanding_quantity`` what is still to come (0 for rejected lines and a closed remainder).
    """

    position: int
    quantity: str
    unit: str
    partner_article_number: str | None
    gtin: str | None
    hmv_number: str | None
    manufacturer_article_number: str | None
    description: str
    attributes: dict[str, str]
    #: Typed options, normalised: ``{"side": {"value": "R"}, "colour": {"code", "name"}}``.
    options: dict[str, dict[str, str]] = {}
    pair: str | None = None
    removed: bool
    matched_article: dict[str, Any] | None
    issue: dict[str, Any] | None
    line_status: str
    confirmed_quantity: str | None
    backordered_quantity: str | None
    backorder_date: str | None
    confirmed_price: str | None
    shipped_quantity: str | None
    outstanding_quantity: str | None
    remainder_closed: bool
    changed_article_number: str | None
    delivery_date: str | None
    answer_note: str | None
    serial_numbers: list[str]
    lot_numbers: list[str]


class ShipmentLineOut(Schema):
    position: int | None
    quantity: str | None
    serial_numbers: list[str]
    lot_numbers: list[str]


class TrackingOut(Schema):
    """One parcel: its tracking number (or SSCC) and the carrier's tracking page, where known."""

    number: str
    url: str | None


class ShipmentOut(Schema):
    """One dispatch notification: its parcels' tracking numbers and what it carried per line."""

    document_id: str
    shipped_at: str
    delivery_date: str | None
    carrier: str | None
    tracking_numbers: list[str]
    #: The same numbers with the carrier's tracking page (ordering/tracking.py); url null for a
    #: carrier OrderHub does not know.
    tracking: list[TrackingOut]
    lines: list[ShipmentLineOut]


class ReceiptLineIn(Strict):
    """One line as booked by hand: the received quantity (and serial/lot numbers if known)."""

    position: int = Field(ge=1, le=9999)
    quantity: Decimal | None = Field(None, ge=0, le=100_000, max_digits=12, decimal_places=3)
    serial_numbers: list[Annotated[str, StringConstraints(min_length=1, max_length=80)]] = Field(
        default_factory=list, max_length=1000
    )
    lot_numbers: list[Annotated[str, StringConstraints(min_length=1, max_length=80)]] = Field(
        default_factory=list, max_length=100
    )


class ScanIn(Strict):
    """A scan that names its line itself (else OrderHub finds it by GTIN or serial number)."""

    scan: str = Field(min_length=1, max_length=500)
    position: int | None = Field(None, ge=1, le=9999)


class ReceiptIn(Strict):
    """A goods receipt (Wareneingang): per line quantities and/or the raw GS1 scans of the boxes.

    A scan is the text a scanner sends for a GS1 DataMatrix / GS1-128 (``]d2…``, the bare
    element string or the printed ``(01)…(21)…`` form); the FNC1 separator as ASCII GS
    (``\u001d``), ``<GS>``, ``{GS}``, ``^]`` or ``␝``. One scan is one box.
    """

    lines: list[ReceiptLineIn] = Field(default_factory=list, max_length=500)
    scans: list[Annotated[str, StringConstraints(min_length=1, max_length=500)] | ScanIn] = Field(
        default_factory=list, max_length=2000
    )
    #: The partner's dispatch notification (``shipments[].document_id``) the goods came with.
    shipment: str | None = Field(None, max_length=100)
    received_at: datetime | None = None
    note: str = Field("", max_length=2000)
    #: Every line still expected and not named counts as not received (the whole delivery).
    complete: bool = False
    #: The employee (id in the practice software) who unpacked it; named in the timeline.
    received_by: str | None = Field(None, max_length=64)
    #: The client's own id of this receipt; like ``Idempotency-Key`` (the header wins).
    client_id: str | None = Field(None, max_length=200)


class ReceiptLineOut(Schema):
    position: int
    quantity: str
    serial_numbers: list[str]
    lot_numbers: list[str]
    expiry_dates: list[str]
    gtins: list[str]
    scans: list[str]


class ReceiptDifferenceOut(Schema):
    """A difference to the dispatch notification: ``code`` (``short``, ``surplus``,
    ``serial_not_notified``, ``serial_missing``, ``wrong_article``, ``unexpected_article``,
    ``lot_differs``) with its ``params``, and the sentence in German and English."""

    code: str
    position: int | None
    params: dict[str, Any]
    message: str
    message_en: str


class ReceiptOut(Schema):
    number: str
    received_at: str
    received_by: str
    shipment: str | None
    note: str
    client_id: str | None
    lines: list[ReceiptLineOut]
    differences: list[ReceiptDifferenceOut]


class ChangeLineIn(Strict):
    """A sent line to change: a new quantity and/or requested delivery date, or ``remove``."""

    position: int = Field(ge=1, le=9999)
    quantity: Decimal | None = Field(None, gt=0, le=100_000, max_digits=12, decimal_places=3)
    delivery_date: date | None = None
    remove: bool = False
    note: str = Field("", max_length=500)


class ChangeAddedLineIn(Strict):
    """A line to add; the article must be identified uniquely in the partner's catalog."""

    quantity: Decimal = Field(gt=0, le=100_000, max_digits=12, decimal_places=3)
    partner_article_number: str | None = Field(None, max_length=100)
    gtin: str | None = Field(None, max_length=20)
    hmv_number: str | None = Field(None, max_length=20)
    manufacturer_article_number: str | None = Field(None, max_length=100)
    description: str = Field("", max_length=300)
    attributes: dict[AttributeName, AttributeValue] = Field(default_factory=dict, max_length=20)
    note: str = Field("", max_length=500)


class ChangeIn(Strict):
    """A change (``kind`` ``change``: ``lines`` and/or ``added``) or a cancellation (``cancel``,
    no lines) of a sent order, for the partner to accept or refuse."""

    kind: Literal["change", "cancel"] = "change"
    lines: list[ChangeLineIn] = Field(default_factory=list, max_length=500)
    added: list[ChangeAddedLineIn] = Field(default_factory=list, max_length=100)
    note: str = Field("", max_length=500)
    #: Issue 17: also ask each line's change for the other side of its binaural pair.
    apply_to_pair: bool = False


class ChangeLineOut(Schema):
    position: int
    quantity: str | None
    delivery_date: str | None
    removed: bool
    note: str


class ChangeAddedLineOut(Schema):
    position: int
    quantity: str
    unit: str
    partner_article_number: str | None
    description: str
    note: str


class PairHintOut(Schema):
    """A changed line whose binaural pair's other side the change leaves as it is."""

    position: int
    mates: list[int]
    message: str
    message_en: str


class ChangeOut(Schema):
    """A change after sending: ``status`` ``requested`` → ``sent`` → ``accepted`` | ``refused``
    (or ``failed`` when it could not be delivered); ``sequence`` 1, 2 … per order."""

    sequence: int
    number: str
    kind: str
    status: str
    lines: list[ChangeLineOut]
    added: list[ChangeAddedLineOut]
    note: str
    #: Who asked / answered: German text, English, and the kind with its parameters
    #: (``core/actors.py``; ``null`` kind for a text of the German era no pattern knew).
    requested_by: str
    requested_by_en: str | None = None
    requested_by_kind: str | None = None
    requested_by_params: dict[str, Any] = {}
    requested_at: str
    answered_at: str | None
    answered_by: str | None
    answered_by_en: str | None = None
    answered_by_kind: str | None = None
    answered_by_params: dict[str, Any] = {}
    answer_note: str | None
    pair_hints: list[PairHintOut] = []


class OrderDetailOut(OrderSummaryOut):
    issues: list[IssueOut]
    lines: list[LineOut]
    shipments: list[ShipmentOut]
    events: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    delivery: dict[str, Any] | None
    receipts: list[ReceiptOut] = []
    changes: list[ChangeOut] = []
