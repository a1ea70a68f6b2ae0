"""Template helpers for hearing configurations (issue 17): a line's typed options with their
German/English labels, its free attributes and its binaural pair, and the lines with each pair
together.

``{% load hearing %}`` then ``{% for line in lines|paired %}`` and ``{% line_hearing line lines %}``
(renders ``ordering/_line_hearing.html``); ``{{ order|order_type_label }}``.
"""

from __future__ import annotations

from django import template
from django.utils import translation

from orderhub.formats import options as opts
from orderhub.ordering import hearing

register = template.Library()


def _lang() -> str:
    return translation.get_language() or "de"


@register.filter
def paired(lines) -> list:
    """The lines by position, the second line of each pair right after the first."""
    return hearing.paired_order(list(lines))


@register.filter
def free_attributes(line) -> dict[str, str]:
    return hearing.free_attributes(line.attributes)


@register.filter
def hearing_options(line) -> list[tuple[str, str]]:
    return opts.describe(hearing.line_options(line), _lang())


@register.filter
def order_type_label(order) -> str:
    return opts.order_type_label(order.order_type, _lang())


@register.inclusion_tag("ordering/_line_hearing.html")
def line_hearing(line, lines=(), attributes=True) -> dict:
    """The line's options (label: value), its free attributes, and the positions it is paired
    with (``lines``: the order's lines, to find the other ear)."""
    mates = hearing.pair_mates(lines or [line]).get(line.position, [])
    return {
        "options": opts.describe(hearing.line_options(line), _lang()),
        "attributes": opts.describe_attributes(hearing.free_attributes(line.attributes), _lang())
        if attributes
        else [],
        "pair": line.pair,
        "mates": mates,
    }
