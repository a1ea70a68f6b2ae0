"""Orders, their lines, their status history, and idempotency keys (SPEC §3.6, §4)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderhub.accounts.models import Company
from orderhub.catalog.models import Article
from orderhub.core import actors
from orderhub.masterdata.models import Branch, Employee
from orderhub.partners.models import Partner


class OrderStatus(models.TextChoices):
    CART = "cart", _("Warenkorb")
    EXPIRED = "expired", _("abgelaufen")
    QUEUED = "queued", _("in Warteschlange")
    SENDING = "sending", _("wird gesendet")
    SENT = "sent", _("gesendet")
    CONFIRMED = "confirmed", _("bestätigt")
    #: Some lines changed, substituted, backordered or rejected (not all rejected).
    PARTIALLY_CONFIRMED = "partially_confirmed", _("mit Abweichungen bestätigt")
    REJECTED = "rejected", _("abgelehnt")
    #: Something was shipped, something confirmed is still outstanding.
    PARTIALLY_SHIPPED = "partially_shipped", _("teilweise versandt")
    SHIPPED = "shipped", _("versandt")
    FAILED = "failed", _("fehlgeschlagen")
    CANCELLED = "cancelled", _("storniert")


class OrderType(models.TextChoices):
    """What kind of order it is (issue 17); every channel's document states it."""

    STANDARD = "standard", _("Standard")
    EXPRESS = "express", _("Express")
    CONSIGNMENT = "consignment", _("Kommission")
    TRIAL = "trial", _("Probe")
    LOANER = "loaner", _("Leihgerät")
    REMAKE = "remake", _("Ersatz / Neuanfertigung")
    REPAIR = "repair", _("Reparatur")
    RETURN = "return", _("Rücksendung")


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="orders")
    #: OrderHub's order number: what partners see and deduplicate on.
    number = models.CharField(_("Bestellnummer"), max_length=32, unique=True)
    external_order_id = models.CharField(_("Bestellnummer der Branchensoftware"), max_length=64)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="orders")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="orders")
    ordered_by = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="orders")
    customer_number = models.CharField(_("Kundennummer"), max_length=64, blank=True)
    reference = models.CharField(_("Referenz"), max_length=200, blank=True)
    note = models.TextField(_("Bemerkung"), blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=OrderStatus.choices)
    created_at = models.DateTimeField(_("angelegt"), default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    cart_expires_at = models.DateTimeField(null=True, blank=True)
    ordered_at = models.DateTimeField(null=True, blank=True, help_text="when it became queued")
    tracking_numbers = models.JSONField(default=list, blank=True)
    carrier = models.CharField(max_length=100, blank=True)
    delivery_date = models.DateField(null=True, blank=True)
    order_type = models.CharField(
        _("Auftragsart"), max_length=20, choices=OrderType.choices, default=OrderType.STANDARD
    )
    #: A remake or replacement names the order it replaces.
    original_order = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    #: Kommission (consignment) and loaner orders: when the goods go back.
    return_date = models.DateField(_("Rückgabedatum"), null=True, blank=True)
    #: A pseudonymous fitting reference (Versorgung) of the practice, never the patient's name.
    fitting_reference = models.CharField(_("Versorgung"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "external_order_id"], name="order_unique_external_id"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "updated_at", "id"], name="order_updated"),
            models.Index(fields=["status", "cart_expires_at"], name="order_cart_expiry"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_cart(self) -> bool:
        return self.status == OrderStatus.CART


class OrderLine(models.Model):
    class LineStatus(models.TextChoices):
        OPEN = "open", _("offen")
        CONFIRMED = "confirmed", _("bestätigt")
        CHANGED = "changed", _("geändert")
        SUBSTITUTED = "substituted", _("Ersatzartikel")
        BACKORDERED = "backordered", _("im Rückstand")
        REJECTED = "rejected", _("abgelehnt")
        PARTIALLY_SHIPPED = "partially_shipped", _("teilweise versandt")
        SHIPPED = "shipped", _("versandt")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit = models.CharField(max_length=10, default="C62")
    # As the practice software sent them:
    partner_article_number = models.CharField(max_length=100, blank=True)
    gtin = models.CharField(max_length=20, blank=True)
    hmv_number = models.CharField(max_length=20, blank=True)
    manufacturer_article_number = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=300, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    #: Lines with the same pair key form a binaural pair (right and left ear), shown, confirmed,
    #: shipped and received together.
    pair = models.CharField(max_length=20, blank=True)
    # Identification:
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_by = models.CharField(max_length=40, blank=True)
    #: The article as ordered, frozen when the order is placed (catalogs change later).
    article_snapshot = models.JSONField(default=dict, blank=True)
    #: What a person must settle: code and values, the words made when read (catalog/issues.py).
    issue = models.JSONField(null=True, blank=True)
    removed = models.BooleanField(default=False)
    # Partner answers:
    line_status = models.CharField(
        max_length=20, choices=LineStatus.choices, default=LineStatus.OPEN
    )
    #: What the partner delivers in all (now and later); None until it answered.
    confirmed_quantity = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    #: The part of the confirmed quantity that follows later, and when.
    backordered_quantity = models.DecimalField(
        max_digits=12, decimal_places=3, null=True, blank=True
    )
    backorder_date = models.DateField(null=True, blank=True)
    confirmed_price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    changed_article_number = models.CharField(max_length=100, blank=True)
    delivery_date = models.DateField(null=True, blank=True)
    answer_note = models.CharField(max_length=500, blank=True)
    #: Sum of the quantities of this line in the order's shipments.
    shipped_quantity = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    #: The practice closed what is still outstanding ("Rest schließen"): nothing more is expected.
    remainder_closed = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="line_unique_position")
        ]

    @property
    def expected_quantity(self) -> Decimal:
        """What the practice still receives in all: nothing for a rejected line, the confirmed
        quantity once the partner answered, else the ordered one."""
        if self.removed or self.line_status == self.LineStatus.REJECTED:
            return Decimal(0)
        if self.confirmed_quantity is not None:
            return self.confirmed_quantity
        return self.quantity

    @property
    def outstanding_quantity(self) -> Decimal:
        if self.remainder_closed:
            return Decimal(0)
        return max(self.expected_quantity - (self.shipped_quantity or 0), Decimal(0))


class Shipment(models.Model):
    """One dispatch notification of an order: a parcel (or several) with what it carries."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    #: The partner's document number of the dispatch notification.
    partner_document_id = models.CharField(max_length=100, blank=True)
    shipped_at = models.DateTimeField()
    delivery_date = models.DateField(null=True, blank=True)
    carrier = models.CharField(max_length=100, blank=True)
    tracking_numbers = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["shipped_at", "id"]


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="shipment_lines")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    serial_numbers = models.JSONField(default=list, blank=True)
    lot_numbers = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["shipment_id", "line__position"]


class OrderEvent(models.Model):
    """One entry of an order's timeline: a status change or a notable fact (who, when, why).

    Who: ``actor`` (German text, what the API returns) with ``actor_kind`` and ``actor_params``
    (``core/actors.py``), rendered by :meth:`actor_label`. Why: ``reason_code`` (a key of
    ``ordering/reasons.py``) and ``reason_params``, rendered in the reader's language
    (``reasons.event_reason``). ``reason`` is the stored text of an event from
    before the codes that migration 0007 did not recognise; new events leave it empty.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.CharField(max_length=200)
    actor_kind = models.CharField(max_length=30, blank=True)
    actor_params = models.JSONField(default=dict, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    reason_code = models.CharField(max_length=60, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)

    def actor_label(self) -> str:
        """Who acted, in the current language (``core/actors.py``)."""
        return actors.label(self.actor_kind, self.actor_params, self.actor)

    class Meta:
        ordering = ["at", "id"]


class IdempotencyKey(models.Model):
    """The first answer to an ``Idempotency-Key``, replayed for the same body, refused for another."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    order = models.ForeignKey(Order, null=True, on_delete=models.CASCADE)
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "key"], name="idempotency_unique_key")
        ]


# --------------------------------------------------------------------------- goods receipt


class GoodsReceipt(models.Model):
    """What arrived at the practice for an order (Wareneingang), booked by a person (issue 16).

    ``number`` (``<order number>/WE<sequence>``) is the receipt's own document number, also the
    ``RECEIPTACKNOWLEDGEMENT_ID`` a partner deduplicates on. ``client_id`` is the Idempotency-Key
    (or the client's own id) of the request that booked it: the same request again books nothing.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="receipts")
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=48, unique=True)
    #: The dispatch notification the goods came with, when the practice said so.
    shipment = models.ForeignKey(
        Shipment, null=True, blank=True, on_delete=models.SET_NULL, related_name="receipts"
    )
    received_at = models.DateTimeField(default=timezone.now)
    #: Who booked it: "Name (login)", or the practice software with the employee it named.
    received_by = models.CharField(max_length=200)
    received_by_kind = models.CharField(max_length=30, blank=True)
    received_by_params = models.JSONField(default=dict, blank=True)
    employee = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    client_id = models.CharField(max_length=200, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def received_by_label(self) -> str:
        """Who booked it, in the current language (``core/actors.py``)."""
        return actors.label(self.received_by_kind, self.received_by_params, self.received_by)

    class Meta:
        ordering = ["order_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["order", "sequence"], name="receipt_unique_sequence"),
            models.UniqueConstraint(
                fields=["order", "client_id"],
                condition=~models.Q(client_id=""),
                name="receipt_unique_client_id",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class GoodsReceiptLine(models.Model):
    """One order line in a goods receipt: quantity, and what the boxes' GS1 codes said."""

    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="receipt_lines")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    serial_numbers = models.JSONField(default=list, blank=True)
    lot_numbers = models.JSONField(default=list, blank=True)
    #: Expiry dates (AI 17) as ISO dates, once each.
    expiry_dates = models.JSONField(default=list, blank=True)
    #: GTINs read from the boxes (AI 01), once each.
    gtins = models.JSONField(default=list, blank=True)
    #: The scans of this line in the printed form ``(01)…(21)…``.
    scans = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["receipt_id", "line__position"]


class ReceiptDifference(models.Model):
    """A difference between a goods receipt and the dispatch notification, as a code with its
    parameters (``params``: position, quantities as strings, serial, lot, GTIN …); the sentence is
    rendered in the reader's language (``orderhub.ordering.receipts.describe``)."""

    class Kind(models.TextChoices):
        SHORT = "short", _("Menge fehlt")
        SURPLUS = "surplus", _("Mehrmenge")
        SERIAL_NOT_NOTIFIED = "serial_not_notified", _("Seriennummer nicht in der Versandmeldung")
        SERIAL_MISSING = "serial_missing", _("Seriennummer fehlt")
        WRONG_ARTICLE = "wrong_article", _("falscher Artikel")
        UNEXPECTED_ARTICLE = "unexpected_article", _("Artikel nicht bestellt")
        LOT_DIFFERS = "lot_differs", _("andere Charge")

    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="differences")
    line = models.ForeignKey(
        OrderLine, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["receipt_id", "id"]


# --------------------------------------------------------------------------- changes after sending


class OrderChange(models.Model):
    """A change or cancellation the practice asked for after the order was sent (issue 16).

    ``sequence`` is the change's number within the order (1, 2 …): with the order number the key
    partners deduplicate on (``ORDERCHANGE_SEQUENCE_ID``, ``BGM+230+<order>/<n>``). ``lines`` are
    the changed sent lines (``{"position", "quantity", "delivery_date", "removed", "note"}``),
    ``added`` the new lines (``{"position", "quantity", "unit", "partner_article_number", "gtin",
    "description", "article_id", "article_snapshot", "note"}``); values as strings.
    """

    class Kind(models.TextChoices):
        CHANGE = "change", _("Änderung")
        CANCEL = "cancel", _("Stornierung")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("angefragt")
        SENT = "sent", _("an Partner gesendet")
        ACCEPTED = "accepted", _("angenommen")
        REFUSED = "refused", _("abgelehnt")
        FAILED = "failed", _("nicht zustellbar")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="changes")
    sequence = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHANGE)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    lines = models.JSONField(default=list, blank=True)
    added = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=500, blank=True)
    #: Who asked: "Name (login)", or the practice software.
    requested_by = models.CharField(max_length=200)
    requested_by_kind = models.CharField(max_length=30, blank=True)
    requested_by_params = models.JSONField(default=dict, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.CharField(max_length=200, blank=True)
    answered_by_kind = models.CharField(max_length=30, blank=True)
    answered_by_params = models.JSONField(default=dict, blank=True)
    #: The partner's reason (a refusal's, mostly).
    answer_note = models.CharField(max_length=500, blank=True)
    #: The ``Idempotency-Key`` of the request that asked (API, connector, dashboard form) and the
    #: hash of its body: the same key again answers with this change, another body is a 409.
    client_id = models.CharField(max_length=200, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)

    def requested_by_label(self) -> str:
        """Who asked, in the current language (``core/actors.py``)."""
        return actors.label(self.requested_by_kind, self.requested_by_params, self.requested_by)

    def answered_by_label(self) -> str:
        """Who answered, in the current language (``core/actors.py``)."""
        return actors.label(self.answered_by_kind, self.answered_by_params, self.answered_by)

    class Meta:
        ordering = ["order_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["order", "sequence"], name="change_unique_sequence"),
            models.UniqueConstraint(
                fields=["order", "client_id"],
                condition=~models.Q(client_id=""),
                name="change_unique_client_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.number}/{self.sequence}"

    @property
    def number(self) -> str:
        return f"{self.order.number}/{self.sequence}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.REQUESTED, self.Status.SENT)
