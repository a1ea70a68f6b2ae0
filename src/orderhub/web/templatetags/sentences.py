"""Template filters for what a person reads: audit rows, actors and conflicts as sentences."""

from __future__ import annotations

from typing import Any

from django import template

from orderhub.masterdata.models import Branch, CustomerNumber, Employee
from orderhub.web import sentences

register = template.Library()


@register.filter
def audit_sentence(event) -> str:
    return sentences.audit_sentence(event)


@register.filter
def audit_technical(event) -> str:
    return sentences.technical(
        code=event.action,
        object=f"{event.object_type} {event.object_id}".strip(),
        changes=event.changes,
    )


@register.filter
def conflict_record(conflict) -> str:
    """The record a conflict is about, with its current name: "Filiale „Mitte“ (F1)"."""
    model: Any = {"branch": Branch, "user": Employee, "customer_number": CustomerNumber}.get(
        conflict.record_type
    )
    if model is CustomerNumber:
        number = (
            CustomerNumber.objects.filter(pk=conflict.record_id)
            .select_related("partner", "branch")
            .first()
        )
        if number is not None:
            where = number.branch.name if number.branch else ""
            return sentences.customer_number_label(number.partner.name, where)
    name = ""
    if model is not None:
        name = (
            model._default_manager.filter(pk=conflict.record_id)
            .values_list("name", flat=True)
            .first()
        )
    key = conflict.record_key
    return sentences.record_label(conflict.record_type, key, name or "")


@register.filter
def conflict_field(conflict) -> str:
    return sentences.field_label(conflict.record_type, conflict.field)


@register.filter
def value_text(value) -> str:
    return sentences.value_text(value)
