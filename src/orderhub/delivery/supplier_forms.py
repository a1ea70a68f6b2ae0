"""The supplier portal's answer forms: per line what the supplier confirms, and what it ships.

Validation is what a clerk would expect to be told before anything is recorded (issues 15, 16):
no delivery date in the past, a reason for every rejection, a backorder with its quantity and date,
a substitute with its article number, whole numbers for pieces, tracking number and carrier when
shipping, never more than is outstanding, one serial number per unit when serials are given.
Errors are German sentences (translated) placed at the field and the line they concern.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orderhub.formats.documents import AnswerLine
from orderhub.ordering.models import OrderLine
from orderhub.ordering.units import WHOLE_UNITS

#: A delivery date further ahead than this is a typing error, not a promise.
LATEST_DAYS = 730
RESPONSE_STATUSES = [
    ("confirmed", _("bestätigt wie bestellt")),
    ("changed", _("geändert (Menge oder Termin)")),
    ("backordered", _("teilweise im Rückstand")),
    ("substituted", _("Ersatzartikel")),
    ("rejected", _("abgelehnt")),
]
_SPLIT = re.compile(r"[\s,;]+")


def _numbers(text: str) -> list[str]:
    return [n for n in _SPLIT.split(text or "") if n]


def _check_date(value: date | None) -> date | None:
    if value is None:
        return None
    today = timezone.localdate()
    if value < today:
        raise forms.ValidationError(_("Das Datum liegt in der Vergangenheit."))
    if value > today + timedelta(days=LATEST_DAYS):
        raise forms.ValidationError(_("Das Datum liegt mehr als zwei Jahre in der Zukunft."))
    return value


def _whole(line: OrderLine, value: Decimal | None) -> bool:
    return value is None or line.unit not in WHOLE_UNITS or value == value.to_integral()


class _LineForm(forms.Form):
    """Base of the per-line forms: knows its order line (``line``)."""

    def __init__(self, *args, line: OrderLine, **kwargs):
        self.line = line
        kwargs["prefix"] = f"line-{line.position}"
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # the table's header is the visual label
            field.widget.attrs["aria-label"] = _("%(field)s, Position %(position)s") % {
                "field": field.label,
                "position": line.position,
            }


class ResponseLineForm(_LineForm):
    status = forms.ChoiceField(label=_("Antwort"), choices=RESPONSE_STATUSES)
    quantity = forms.DecimalField(
        label=_("Menge zugesagt"), min_value=0, max_digits=12, decimal_places=3, required=False
    )
    delivery_date = forms.DateField(
        label=_("Liefertermin"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    backordered_quantity = forms.DecimalField(
        label=_("davon im Rückstand"), min_value=0, max_digits=12, decimal_places=3, required=False
    )
    backorder_date = forms.DateField(
        label=_("Rückstand kommt am"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    substitute = forms.CharField(label=_("Ersatzartikel-Nr."), max_length=35, required=False)
    note = forms.CharField(label=_("Bemerkung / Grund"), max_length=500, required=False)

    def clean_delivery_date(self):
        return _check_date(self.cleaned_data.get("delivery_date"))

    def clean_backorder_date(self):
        return _check_date(self.cleaned_data.get("backorder_date"))

    def clean(self):
        data = super().clean()
        status = data.get("status")
        line = self.line
        quantity = data.get("quantity")
        if status == "rejected":
            if not data.get("note"):
                self.add_error("note", _("Bitte geben Sie einen Grund für die Ablehnung an."))
            data["quantity"] = Decimal(0)
            return data
        if quantity is None:
            quantity = data["quantity"] = line.quantity
        if quantity == 0:
            self.add_error(
                "quantity", _("Menge 0 heißt abgelehnt: wählen Sie „abgelehnt“ mit einem Grund.")
            )
        if not _whole(line, quantity):
            self.add_error("quantity", _("Diese Einheit wird in ganzen Stück gezählt."))
        if status == "backordered":
            backordered = data.get("backordered_quantity")
            if not backordered:
                self.add_error(
                    "backordered_quantity", _("Wie viel davon kommt später? (mehr als 0)")
                )
            elif quantity is not None and backordered > quantity:
                self.add_error(
                    "backordered_quantity",
                    _("Der Rückstand kann nicht größer sein als die zugesagte Menge."),
                )
            elif not _whole(line, backordered):
                self.add_error(
                    "backordered_quantity", _("Diese Einheit wird in ganzen Stück gezählt.")
                )
            if not data.get("backorder_date"):
                self.add_error("backorder_date", _("Wann kommt der Rückstand?"))
            elif data.get("delivery_date") and data["backorder_date"] < data["delivery_date"]:
                self.add_error(
                    "backorder_date", _("Der Rückstand kann nicht vor dem Liefertermin kommen.")
                )
        if status == "substituted" and not data.get("substitute"):
            self.add_error("substitute", _("Welcher Artikel wird stattdessen geliefert?"))
        return data

    def answer_line(self, default_date: date | None) -> AnswerLine:
        data = self.cleaned_data
        status = data["status"]
        backordered = data.get("backordered_quantity") if status == "backordered" else None
        return AnswerLine(
            line_no=self.line.position,
            status=status,
            quantity=data["quantity"],
            supplier_article_number=(data.get("substitute") or None)
            if status == "substituted"
            else None,
            delivery_date=None
            if status == "rejected"
            else data.get("delivery_date") or default_date,
            note=data.get("note") or "",
            unit=self.line.unit,
            backordered_quantity=backordered,
            backorder_date=data.get("backorder_date") if backordered else None,
        )


class ShipLineForm(_LineForm):
    quantity = forms.DecimalField(
        label=_("Menge in dieser Sendung"),
        min_value=0,
        max_digits=12,
        decimal_places=3,
        required=False,
    )
    serial_numbers = forms.CharField(
        label=_("Seriennummern"),
        max_length=4000,
        required=False,
        widget=forms.Textarea({"rows": 1}),
    )
    lot_numbers = forms.CharField(label=_("Charge"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        quantity = data.get("quantity")
        if quantity is None:
            return data
        outstanding = self.line.outstanding_quantity
        if quantity > outstanding:
            self.add_error(
                "quantity",
                _("Offen sind noch %(outstanding)s; mehr kann nicht versandt werden.")
                % {"outstanding": f"{outstanding.normalize():f}"},
            )
        if not _whole(self.line, quantity):
            self.add_error("quantity", _("Diese Einheit wird in ganzen Stück gezählt."))
        serials = _numbers(data.get("serial_numbers", ""))
        if any(len(s) > 80 for s in serials):
            self.add_error("serial_numbers", _("Eine Seriennummer hat höchstens 80 Zeichen."))
        elif serials and len(set(serials)) != len(serials):
            self.add_error("serial_numbers", _("Eine Seriennummer steht doppelt."))
        elif serials and quantity == quantity.to_integral() and len(serials) != int(quantity):
            self.add_error(
                "serial_numbers",
                _("Bitte eine Seriennummer je Stück: %(count)s angegeben, %(quantity)s versandt.")
                % {"count": len(serials), "quantity": int(quantity)},
            )
        data["serials"] = serials
        return data

    def answer_line(self) -> AnswerLine | None:
        quantity = self.cleaned_data.get("quantity")
        if not quantity:
            return None
        return AnswerLine(
            line_no=self.line.position,
            status="shipped",
            quantity=quantity,
            unit=self.line.unit,
            serial_numbers=self.cleaned_data.get("serials", []),
            lot_numbers=_numbers(self.cleaned_data.get("lot_numbers", "")),
        )


class ResponseForm(forms.Form):
    form_id = forms.CharField(widget=forms.HiddenInput, max_length=40)
    delivery_date = forms.DateField(
        label=_("Liefertermin für alle Positionen"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label=_("Bemerkung an die Praxis"), max_length=1000, required=False)

    def clean_delivery_date(self):
        return _check_date(self.cleaned_data.get("delivery_date"))


class ShipForm(forms.Form):
    form_id = forms.CharField(widget=forms.HiddenInput, max_length=40)
    tracking_numbers = forms.CharField(
        label=_("Sendungsnummern (durch Komma getrennt)"), max_length=500
    )
    carrier = forms.CharField(label=_("Versanddienstleister"), max_length=100)

    def clean_tracking_numbers(self):
        numbers = _numbers(self.cleaned_data["tracking_numbers"])
        if not numbers:
            raise forms.ValidationError(_("Bitte mindestens eine Sendungsnummer angeben."))
        if len(numbers) > 9 or any(len(n) > 35 for n in numbers):
            raise forms.ValidationError(
                _("Höchstens 9 Sendungsnummern mit je höchstens 35 Zeichen.")
            )
        return numbers


def new_form_id() -> str:
    """Identifies one filled-in form: sent twice (double click, reload), it is applied once."""
    return uuid.uuid4().hex
