"""What each partner channel can carry, checked at intake instead of failing at delivery (issue 14,
fault 4). The one place these rules live; intake (``services.submit_order``) and the cart
(``services.cart_problems``) call it.

A violation at intake is a **422 naming the field** (not a cart issue): nothing is stored and the
Idempotency-Key is not used up, so the practice software can correct the value and submit again;
most of these values (company name, branch address, article numbers) cannot be corrected in a cart
anyway, they are master data or the practice's own line data. In a cart, where a person types a
customer number, the same rules are cart problems that keep the cart from being ordered.

Values are checked as the delivery will see them (``delivery/order_document.py``): the customer
number in force (the order's or the master data's), the article numbers of the identified catalog
article or of the line, the company's and branch's name and address.

* EDIFACT ORDERS D.96A: identifiers (customer number in ``RFF+IT``/``NAD``, article numbers in
  ``LIN``/``PIA``) are ``an..35``, the unit (``QTY`` 6411) ``an..3``; the writer refuses longer
  values rather than cutting them.
* E-mail: the company name goes into the ``Subject`` header, where a line break is refused by the
  mail library (and would be header injection); names and addresses must be single lines.
A channel not listed (openTRANS over HTTP, JSON webhook) carries any text the schemas allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orderhub.core.problems import FieldError, Problem
from orderhub.masterdata.models import Branch

LINE_BREAKS = ("\r", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


@dataclass(frozen=True)
class ChannelLimits:
    label: str
    #: field → most characters (fields: customer_number, company.name, branch.<f>, lines[].<f>)
    max_length: dict[str, int] = field(default_factory=dict)
    #: fields that must not contain a line break
    single_line: frozenset[str] = frozenset()


EDIFACT = ChannelLimits(
    "EDIFACT",
    max_length={
        "customer_number": 35,
        "lines[].partner_article_number": 35,
        "lines[].gtin": 35,
        "lines[].hmv_number": 35,
        "lines[].manufacturer_article_number": 35,
        "lines[].unit": 3,
    },
)
EMAIL = ChannelLimits(
    "E-Mail",
    single_line=frozenset(
        {
            "customer_number",
            "company.name",
            "branch.name",
            "branch.street",
            "branch.postal_code",
            "branch.city",
        }
    ),
)
#: By partner channel (``Partner.channel``). A new channel with limits declares them here.
#: SFTP files are EDIFACT unless the partner chose openTRANS; the EDIFACT limits (the stricter)
#: apply to both for now.
LIMITS: dict[str, ChannelLimits] = {"edifact": EDIFACT, "sftp": EDIFACT, "email": EMAIL}


class ChannelCannotCarry(Problem):
    kind = "channel-cannot-carry"


@dataclass(frozen=True)
class _Violation:
    path: str  # customer_number, company.name, branch.<f>, lines[<i>].<f>
    rule: str  # the path with the line index dropped (lines[].<f>)
    length: int | None  # too long: its length, and the most the channel carries
    most: int | None


def _violations(limits: ChannelLimits, values: dict[str, str | None]) -> list[_Violation]:
    found = []
    for path, value in values.items():
        if not value:
            continue
        rule = f"lines[].{path.split('.', 1)[1]}" if path.startswith("lines[") else path
        most = limits.max_length.get(rule)
        if most is not None and len(value) > most:
            found.append(_Violation(path, rule, len(value), most))
        if rule in limits.single_line and any(c in value for c in LINE_BREAKS):
            found.append(_Violation(path, rule, None, None))
    return found


def violations(channel: str, values: dict[str, str | None]) -> list[FieldError]:
    """``values`` maps a field path (``lines[2].gtin``) to its text."""
    limits = LIMITS.get(channel)
    if limits is None:
        return []
    return [
        FieldError(
            v.path,
            f"{v.length} characters; the partner's {limits.label} channel carries at most {v.most}"
            if v.length is not None
            else f"contains a line break, which the partner's {limits.label} channel cannot carry",
        )
        for v in _violations(limits, values)
    ]


def _values(order, lines, branch=None) -> dict[str, str | None]:
    values: dict[str, str | None] = {"customer_number": order.customer_number}
    if branch is not None:
        values["company.name"] = order.company.name
        for name in ("name", "street", "postal_code", "city"):
            values[f"branch.{name}"] = getattr(branch, name)
    for index, line in enumerate(lines):
        if line.removed:
            continue
        snap = line.article_snapshot or {}
        values[f"lines[{index}].partner_article_number"] = (
            snap.get("partner_article_number") or line.partner_article_number
        )
        values[f"lines[{index}].gtin"] = snap.get("gtin") or line.gtin
        values[f"lines[{index}].hmv_number"] = snap.get("hmv_number") or line.hmv_number
        values[f"lines[{index}].manufacturer_article_number"] = (
            snap.get("manufacturer_article_number") or line.manufacturer_article_number
        )
        values[f"lines[{index}].unit"] = snap.get("order_unit") or line.unit
    return values


def _branch_for(order, limits: ChannelLimits):
    if not any(f.startswith("branch.") for f in limits.single_line):
        return None  # no extra query for channels that do not care about the address

    return Branch.objects.only("name", "street", "postal_code", "city").get(pk=order.branch_id)


def check_intake(order, lines) -> None:
    """Raise a 422 naming every field the partner's channel cannot carry (nothing written yet)."""
    limits = LIMITS.get(order.partner.channel)
    if limits is None:
        return
    errors = violations(order.partner.channel, _values(order, lines, _branch_for(order, limits)))
    if errors:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        raise ChannelCannotCarry(detail, errors=errors)


#: What a person calls the value a channel cannot carry (the subject of the cart's sentence).
FIELD_NAMES = {
    "customer_number": gettext_lazy("Die Kundennummer"),
    "company.name": gettext_lazy("Der Firmenname"),
    "branch.name": gettext_lazy("Der Name der Filiale"),
    "branch.street": gettext_lazy("Die Straße der Filiale"),
    "branch.postal_code": gettext_lazy("Die Postleitzahl der Filiale"),
    "branch.city": gettext_lazy("Der Ort der Filiale"),
    "lines[].partner_article_number": gettext_lazy("Die Artikelnummer"),
    "lines[].gtin": gettext_lazy("Die GTIN"),
    "lines[].hmv_number": gettext_lazy("Die Hilfsmittelnummer"),
    "lines[].manufacturer_article_number": gettext_lazy("Die Herstellerartikelnummer"),
    "lines[].unit": gettext_lazy("Die Mengeneinheit"),
}


def cart_problems(order) -> list[str]:
    """The same rules for a cart, as sentences for the person in the current language."""
    limits = LIMITS.get(order.partner.channel)
    if limits is None:
        return []
    lines = list(order.lines.order_by("position"))
    problems = []
    for v in _violations(limits, _values(order, lines, _branch_for(order, limits))):
        values = {"field": FIELD_NAMES.get(v.rule, v.rule), "channel": limits.label}
        if v.length is not None:
            sentence = _(
                "%(field)s hat %(length)s Zeichen; der %(channel)s-Kanal der Partnerfirma "
                "überträgt höchstens %(most)s."
            ) % {**values, "length": v.length, "most": v.most}
        else:
            sentence = (
                _(
                    "%(field)s enthält einen Zeilenumbruch, den der %(channel)s-Kanal der "
                    "Partnerfirma nicht übertragen kann."
                )
                % values
            )
        if v.path.startswith("lines["):
            position = lines[int(v.path[6 : v.path.index("]")])].position
            sentence = _("Position %(position)s: %(problem)s") % {
                "position": position,
                "problem": sentence,
            }
        problems.append(sentence)
    return problems
