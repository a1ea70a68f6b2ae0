"""``{{ line.unit|unit_label }}``: a unit as people name it ("Stück", "Paar"), not its Rec 20 code."""

from django import template

from orderhub.ordering.units import unit_label as _unit_label

register = template.Library()


@register.filter
def unit_label(unit: str | None) -> str:
    return _unit_label(unit)
