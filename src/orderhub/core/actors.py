"""Who acted: a kind code with parameters, rendered in the reader's language (issue 15).

An order event, an audit row, an order change and a goods receipt store who acted as
``*_kind`` (a key of :data:`KINDS`) and ``*_params`` (the values its words name: a login, a
person's name, an API token, a partner), next to the German text the API has always returned. The
words a person reads are made by :func:`label` when someone reads them (German msgids, English in
the catalogue). See docs/timeline.md.

The code that acts builds an :class:`Actor` (``Actor.person(...)``, ``Actor.software(...)``, ...)
and passes it where a ``str`` is expected: an ``Actor`` *is* its German text, so every signature
and log line that takes the text keeps working, and the storage functions (:func:`fields`) read
its kind and parameters. A plain string (from a script, a test) is stored as text without a kind
and shown as stored.
"""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N

#: kind -> German template with named ``%(params)s``; the English is in the catalogue.
KINDS: dict[str, str] = {
    # a person through the dashboard: an invited login with its employee's name
    "person": N("%(name)s (%(login)s)"),
    # the login that registered the company (no employee)
    "user": N("Benutzer %(login)s"),
    # the practice software through an API token (``token`` is "<name> …<hint>")
    "software": N("Branchensoftware (API-Token %(token)s)"),
    "software_unnamed": N("Branchensoftware"),
    # a partner's document: the API or mail (``partner``), or a channel it came through
    "partner": N("Partner %(partner)s"),
    "partner_channel": N("Partner %(partner)s (%(channel)s)"),
    # a clerk's supplier-portal login (``person`` is the name, or the login without one)
    "supplier": N("Lieferant %(partner)s (%(person)s)"),
    "supplier_portal": N("Lieferantenportal %(person)s"),
    # an employee named by the practice software (a goods receipt): ``via`` is the actor it used
    "via": N("%(employee)s über %(via)s"),
    # OrderHub itself
    "system": N("System"),
    "delivery": N("Zustellung"),
    "registration": N("Registrierung durch %(login)s"),
    "demo": N("Demo-Einrichtung"),
}

#: The channels a partner's document comes through (``partner_channel``), as codes.
CHANNELS: dict[str, str] = {
    "sftp": N("SFTP"),
    "drop": N("Dateiablage"),
}

_NAMED = re.compile(r"%\((\w+)\)s")


def named(kind: str) -> set[str]:
    """The parameters the words of ``kind`` name."""
    return set(_NAMED.findall(KINDS[kind]))


class Actor(str):
    """Who acted: its German text (what the API returns) with ``kind`` and ``params``."""

    kind: str
    params: dict

    def __new__(cls, kind: str, **params) -> Actor:
        if kind not in KINDS:
            raise ValueError(f"no actor kind {kind!r} (core/actors.py)")
        missing = named(kind) - set(params)
        if missing:
            raise ValueError(f"actor {kind!r} needs {', '.join(sorted(missing))}")
        obj = super().__new__(cls, _render(kind, params, german=True))
        obj.kind, obj.params = kind, params
        return obj

    def __reduce__(self):
        return (_rebuild, (self.kind, self.params))

    # the kinds the code uses ------------------------------------------------------------------

    @classmethod
    def person(cls, login: str, name: str = "") -> Actor:
        return cls("person", login=login, name=name) if name else cls("user", login=login)

    @classmethod
    def software(cls, name: str, hint: str) -> Actor:
        return cls("software", token=f"{name} …{hint}", name=name, hint=hint)

    @classmethod
    def partner(cls, partner: str, channel: str = "") -> Actor:
        if channel:
            return cls("partner_channel", partner=partner, channel=channel)
        return cls("partner", partner=partner)

    @classmethod
    def supplier(cls, partner: str, person: str, login: str) -> Actor:
        return cls("supplier", partner=partner, person=person, login=login)

    @classmethod
    def via(cls, employee: str, actor: str) -> Actor:
        kind, params = code(actor)
        return cls("via", employee=employee, via={"kind": kind, "params": params, "text": actor})


def _rebuild(kind: str, params: dict) -> Actor:
    return Actor(kind, **params)


def code(actor: str) -> tuple[str, dict]:
    """``(kind, params)`` of an actor; a plain string has no kind."""
    if isinstance(actor, Actor):
        return actor.kind, dict(actor.params)
    return "", {}


def fields(actor: str, prefix: str = "actor") -> dict:
    """The model fields for ``actor``: ``<prefix>`` (German text), ``<prefix>_kind``,
    ``<prefix>_params``."""
    kind, params = code(actor)
    return {prefix: str(actor)[:200], f"{prefix}_kind": kind, f"{prefix}_params": params}


def _param(kind: str, name: str, value, german: bool) -> str:
    if name == "channel" and value in CHANNELS:
        return CHANNELS[value] if german else _(CHANNELS[value])
    if name == "via" and isinstance(value, dict):
        if german:
            return str(value.get("text", ""))
        return label(value.get("kind", ""), value.get("params") or {}, value.get("text", ""))
    return str(value)


def _render(kind: str, params: dict, german: bool) -> str:
    template = KINDS[kind] if german else _(KINDS[kind])
    values = {name: _param(kind, name, params.get(name, ""), german) for name in named(kind)}
    return template % values


def label(kind: str, params: dict | None, text: str = "") -> str:
    """Who acted, in the current language; an actor without a (known) kind reads as stored."""
    if kind not in KINDS or named(kind) - set(params or {}):
        return text
    return _render(kind, params or {}, german=False)


def german(kind: str, params: dict | None, text: str = "") -> str:
    """Who acted, in German (what the API's ``actor`` fields say)."""
    if kind not in KINDS or named(kind) - set(params or {}):
        return text
    return _render(kind, params or {}, german=True)


#: OrderHub itself: the cart's expiry, the delivery to partners, the demo set-up.
SYSTEM = Actor("system")
DELIVERY = Actor("delivery")
DEMO = Actor("demo")


def api_fields(row, prefix: str = "actor") -> dict:
    """Who acted in the API and the company webhook: ``<prefix>`` the German text (as before the
    codes), ``<prefix>_en``, and the kind with its parameters for software (``null`` / ``{}`` for
    a text no pattern knew)."""
    text = getattr(row, prefix) or ""
    kind, params = getattr(row, f"{prefix}_kind"), getattr(row, f"{prefix}_params") or {}
    with translation.override("en"):
        english = label(kind, params, text)
    return {
        prefix: text or None,
        f"{prefix}_en": english or None,
        f"{prefix}_kind": kind or None,
        f"{prefix}_params": params,
    }
