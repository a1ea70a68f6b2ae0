"""``{% order_attachments order as box %}``: what the cart's attachment box shows."""

from __future__ import annotations

from django import template

from orderhub.attachments import selectors

register = template.Library()


@register.simple_tag
def order_attachments(order) -> dict:
    links = selectors.for_order(order)
    return {
        "links": links,
        "reusable": list(selectors.reusable(order.company, exclude_order=order))
        if order.is_cart
        else [],
        "lines": [l for l in order.lines.all() if not l.removed],
    }
