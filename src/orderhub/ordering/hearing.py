"""Hearing configurations on the ordering side (issue 17): a line's typed options, binaural pairs,
the order type with its original order and return date, and the pseudonymous fitting reference.

The vocabulary and the channel mapping are ``orderhub.formats.options``; here they are checked
against an order submission and stored.

**Storage.** The normalised options live in ``OrderLine.attributes`` under the reserved key
``"_options"`` (``{"side": {"value": "R"}, "colour": {"code": "P01", "name": "beige"}}``), next
to the free attributes the practice software sends; :func:`line_options` and
:func:`free_attributes` read them apart. (A dedicated ``OrderLine.options`` field would be
cleaner; this keeps issue 17 free of a migration while the ordering migrations are in other
hands.) The pair key is ``OrderLine.pair``; the order's facts are fields of ``Order``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils import timezone

from orderhub.core.problems import FieldError, Problem
from orderhub.formats import options as opts
from orderhub.ordering.models import Order

OPTIONS_KEY = "_options"


def line_options(line) -> dict[str, opts.OptionValue]:
    """The typed options of an order line (empty when it has none)."""
    return opts.from_json((line.attributes or {}).get(OPTIONS_KEY))


def free_attributes(attributes: Mapping | None) -> dict[str, str]:
    """A line's free attributes without OrderHub's reserved keys."""
    return {k: v for k, v in (attributes or {}).items() if not str(k).startswith("_")}


def stored_attributes(attributes: Mapping | None, options: Mapping[str, opts.OptionValue]) -> dict:
    stored: dict = dict(free_attributes(attributes))
    if options:
        stored[OPTIONS_KEY] = opts.to_json(options)
    return stored


def options_json(line) -> dict[str, dict[str, str]]:
    return opts.to_json(line_options(line))


#: Issue 17's members of an order submission and their defaults (order, then line).
_ORDER_DEFAULTS = {
    "order_type": "standard",
    "original_order": None,
    "return_date": None,
    "fitting_reference": None,
}
_LINE_DEFAULTS: dict[str, object] = {"options": {}, "pair": None}


def without_unset(body: dict) -> dict:
    """An order submission (``OrderIn.model_dump``) without issue 17's members where they have
    their defaults: the request hash of an order that uses none of them stays what it was before
    they existed, so an ``Idempotency-Key`` retried across the upgrade still replays."""
    body = {k: v for k, v in body.items() if _ORDER_DEFAULTS.get(k, ...) != v}
    body["lines"] = [
        {k: v for k, v in line.items() if _LINE_DEFAULTS.get(k, ...) != v}
        for line in body.get("lines", [])
    ]
    return body


@dataclass
class Checked:
    """What :func:`check` found sound: the normalised options per line and the original order."""

    options: list[dict[str, opts.OptionValue]] = field(default_factory=list)
    original_order: Order | None = None


def check(company, payload) -> Checked:
    """Every rule of issue 17 for an order submission (``schemas.OrderIn``), all problems at once
    as one 422 whose errors name the field (``lines[1].options.side``, ``lines[0].pair``,
    ``return_date``, ``original_order``)."""
    errors: list[FieldError] = []
    checked = Checked()
    for index, line in enumerate(payload.lines):
        values, problems = opts.normalise(line.options)
        errors += [FieldError(f"lines[{index}].options.{p.path}", p.message) for p in problems]
        checked.options.append(values)
    errors += _pair_errors(payload.lines, checked.options)

    order_type = payload.order_type
    if payload.return_date is None and order_type in opts.NEEDS_RETURN_DATE:
        errors.append(
            FieldError("return_date", f"a {order_type} order needs the date the goods go back")
        )
    elif payload.return_date is not None:
        if order_type not in opts.MAY_HAVE_RETURN_DATE:
            errors.append(
                FieldError(
                    "return_date",
                    "only " + ", ".join(opts.MAY_HAVE_RETURN_DATE) + " orders have a return date",
                )
            )
        elif payload.return_date < timezone.localdate():
            errors.append(FieldError("return_date", "lies in the past"))
    if payload.original_order:
        if order_type not in opts.MAY_HAVE_ORIGINAL_ORDER:
            errors.append(
                FieldError(
                    "original_order",
                    "only "
                    + ", ".join(opts.MAY_HAVE_ORIGINAL_ORDER)
                    + " orders name an original order",
                )
            )
        else:
            checked.original_order = find_order(company, payload.original_order)
            if checked.original_order is None:
                errors.append(
                    FieldError(
                        "original_order",
                        f"no order {payload.original_order!r} of this company (number or id)",
                    )
                )
    elif order_type in opts.NEEDS_ORIGINAL_ORDER:
        errors.append(
            FieldError("original_order", f"a {order_type} order names the order it replaces")
        )
    if errors:
        raise Problem(
            "; ".join(f"{e.field}: {e.message}" for e in errors[:5]),
            kind="invalid-input",
            errors=errors,
        )
    return checked


def _pair_errors(lines, options: list[dict[str, opts.OptionValue]]) -> list[FieldError]:
    """A pair is exactly two lines, one with ``options.side`` R and one with L."""
    groups: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        if line.pair:
            groups.setdefault(line.pair, []).append(index)
    errors = []
    for key, members in groups.items():
        sides = sorted(options[i]["side"].value for i in members if "side" in options[i])
        if len(members) != 2:
            message = f"pair {key!r} has {len(members)} line(s); a binaural pair is exactly two"
        elif sides != ["L", "R"]:
            message = f"pair {key!r} needs one line with options.side R and one with L"
        else:
            continue
        errors += [FieldError(f"lines[{i}].pair", message) for i in members]
    return errors


def find_order(company, reference: str) -> Order | None:
    """The company's order by its number or its id."""
    qs = Order.objects.filter(company=company)
    try:
        return qs.filter(pk=uuid.UUID(reference)).first()
    except ValueError:
        return qs.filter(number=reference.strip()).first()


# --------------------------------------------------------------------------- display


def pairs_apart(
    entries: Iterable[tuple[object, bool]], pair_of=lambda line: line.pair
) -> list[list]:
    """The binaural pairs whose two lines differ in a flag (one rejected and one not, one shipped
    in this parcel and one not): each such pair's lines. ``entries``: (line, flag); ``pair_of``
    reads the pair key of an entry."""
    groups: dict[str, list[tuple[object, bool]]] = {}
    for line, flag in entries:
        pair = pair_of(line)
        if pair:
            groups.setdefault(pair, []).append((line, flag))
    return [
        [line for line, _ in members]
        for members in groups.values()
        if len({flag for _, flag in members}) > 1
    ]


def pair_mates(lines: Iterable) -> dict[int, list[int]]:
    """Position → the positions of the other lines of its pair."""
    groups: dict[str, list[int]] = {}
    for line in lines:
        if line.pair:
            groups.setdefault(line.pair, []).append(line.position)
    return {
        position: [p for p in members if p != position]
        for members in groups.values()
        for position in members
    }


def paired_order(lines: list) -> list:
    """Lines by position, each pair's second line right after its first."""
    lines = sorted(lines, key=lambda line: line.position)
    first_of: dict[str, int] = {}
    for line in lines:
        if line.pair:
            first_of.setdefault(line.pair, line.position)
    return sorted(lines, key=lambda line: (first_of.get(line.pair, line.position), line.position))


def annotate(lines: Iterable, lang: str = "de") -> list:
    """Set ``hearing_options`` (label, value), ``free_attributes`` and ``pair_with`` on each line
    and return them with pairs together (for the cart, the order page and the supplier portal)."""
    lines = list(lines)
    mates = pair_mates(lines)
    for line in lines:
        line.hearing_options = opts.describe(line_options(line), lang)
        line.free_attributes = free_attributes(line.attributes)
        line.pair_with = mates.get(line.position, [])
    return paired_order(lines)
