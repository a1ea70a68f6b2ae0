"""What the audit trail and the order timeline say to a person: sentences in the chosen language.

The rows store codes and parameters (``AuditEvent.action`` + ``changes``, ``OrderEvent`` status and
reason codes + ``reason_params``, see ``ordering/reasons.py``; the actors as kind + parameters, see
``core/actors.py``). Everything a person reads
is made here at display time with German msgids (English in the catalogue), so a stored row reads
in German or English alike; what only a developer or an operator needs (codes, ids, the raw
parameters) goes into the technical detail that administrators can open (``technical``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from orderhub.accounts.models import Role
from orderhub.core import actors
from orderhub.masterdata.models import Branch, Conflict, CustomerNumber, Employee
from orderhub.ordering import reasons
from orderhub.ordering.models import OrderStatus
from orderhub.partners.models import Partner

# --- who acted ------------------------------------------------------------------------------------


def actor_label(actor: str) -> str:
    """Who acted (an :class:`~orderhub.core.actors.Actor`) in the current language; a stored row
    reads through its own ``actor_label()`` (kind and parameters, see ``core/actors.py``)."""
    kind, params = actors.code(actor)
    return actors.label(kind, params, str(actor))


# --- records and fields of the master data --------------------------------------------------------


def field_label(record_type: str, field: str) -> str:
    """A master-data field's name as the forms show it ("Straße"), not its code (``street``)."""
    model = {"branch": Branch, "user": Employee, "customer_number": CustomerNumber}.get(record_type)
    if model is not None:
        try:
            return str(model._meta.get_field(field).verbose_name)  # type: ignore[union-attr]
        except Exception:  # an old row may name a field that no longer exists
            pass
    return field


def record_label(record_type: str, key: str, name: str = "") -> str:
    """ "Filiale „Mitte“ (F1)", "Benutzer „Anna Beispiel“ (U7)", "Kundennummer bei Sonora"."""
    named = {"key": key, "name": name}
    if name and name.split()[0] in ("Filiale", "Branch", _("Filiale")):
        return _("„%(name)s“ (%(key)s)") % named  # not "Filiale „Filiale Mitte“"
    if record_type == "branch":
        return _("Filiale „%(name)s“ (%(key)s)") % named if name else _("Filiale %(key)s") % named
    if record_type == "user":
        return _("Benutzer „%(name)s“ (%(key)s)") % named if name else _("Benutzer %(key)s") % named
    if record_type == "customer_number":
        return _("Kundennummer %(key)s") % named
    return key


def customer_number_label(partner: str, branch: str) -> str:
    """ "Kundennummer bei Sonora, Filiale Mitte" or "… für das ganze Unternehmen"."""
    if branch and branch.split()[0] in ("Filiale", "Branch", _("Filiale")):
        return _("Kundennummer bei %(partner)s, %(branch)s") % {
            "partner": partner,
            "branch": branch,
        }
    if branch:
        return _("Kundennummer bei %(partner)s, Filiale %(branch)s") % {
            "partner": partner,
            "branch": branch,
        }
    return _("Kundennummer bei %(partner)s für das ganze Unternehmen") % {"partner": partner}


def value_text(value) -> str:
    if value is None or value == "":
        return _("(leer)")
    if value is True:
        return _("ja")
    if value is False:
        return _("nein")
    return str(value)


def _field_changes(record_type: str, changes: dict) -> str:
    parts = []
    for field, pair in changes.items():
        if isinstance(pair, list | tuple) and len(pair) == 2:
            parts.append(
                _("%(field)s von „%(old)s“ in „%(new)s“")
                % {
                    "field": field_label(record_type, field),
                    "old": value_text(pair[0]),
                    "new": value_text(pair[1]),
                }
            )
        else:
            parts.append(field_label(record_type, field))
    return "; ".join(parts)


# --- the audit trail ------------------------------------------------------------------------------


def _sync_counts(changes: dict) -> str:
    kinds = [
        ("branches", _("Filialen")),
        ("users", _("Benutzer")),
        ("customer_numbers", _("Kundennummern")),
    ]
    parts = []
    for key, label in kinds:
        counts = changes.get(key) or {}
        told = [
            text % {"n": counts[name]}
            for name, text in (
                ("created", _("%(n)s neu")),
                ("updated", _("%(n)s geändert")),
                ("deactivated", _("%(n)s deaktiviert")),
            )
            if counts.get(name)
        ]
        if told:
            parts.append(f"{label}: {', '.join(told)}")
    return "; ".join(parts) or _("nichts geändert")


def _role(code) -> str:
    return str(Role(code).label) if code in Role.values else str(code)


def _login_changed(changes: dict) -> str:
    parts = []
    if "role" in changes:
        old, new = changes["role"]
        parts.append(_("Rolle von „%(old)s“ in „%(new)s“") % {"old": _role(old), "new": _role(new)})
    if "active" in changes:
        parts.append(_("entsperrt") if changes["active"][1] else _("gesperrt"))
    return (
        _("Zugang geändert: %(what)s") % {"what": ", ".join(parts)}
        if parts
        else _("Zugang geändert")
    )


def _resolution(code) -> str:
    return str(Conflict.Resolution(code).label) if code in Conflict.Resolution.values else str(code)


def _partner_name(slug) -> str:
    if not slug:
        return ""
    return Partner.objects.filter(slug=slug).values_list("name", flat=True).first() or str(slug)


def _p(changes: dict, name: str) -> str:
    return value_text(changes.get(name))


AUDIT: dict[str, Callable[[Any, dict], str]] = {
    "api_token.issued": lambda e, c: (
        _("API-Token „%(name)s“ ausgestellt") % {"name": _p(c, "name")}
    ),
    "api_token.revoked": lambda e, c: (
        _("API-Token „%(name)s“ widerrufen") % {"name": _p(c, "name")}
    ),
    "webhook.created": lambda e, c: _("Webhook %(url)s angelegt") % {"url": _p(c, "url")},
    "webhook.deactivated": lambda e, c: _("Webhook %(url)s abgeschaltet") % {"url": _p(c, "url")},
    "company.registered": lambda e, c: (
        _("Unternehmen registriert; erster Zugang %(login)s") % {"login": _p(c, "username")}
    ),
    "company.renamed": lambda e, c: (
        _("Unternehmen umbenannt von „%(old)s“ in „%(new)s“")
        % {
            "old": value_text((c.get("name") or ["", ""])[0]),
            "new": value_text((c.get("name") or ["", ""])[-1]),
        }
    ),
    "masterdata.synced": lambda e, c: (
        _("Stammdaten aus der Branchensoftware abgeglichen: %(counts)s")
        % {"counts": _sync_counts(c)}
    ),
    "branch.edited": lambda e, c: (
        _("%(record)s im Dashboard geändert: %(changes)s")
        % {"record": record_label("branch", e.object_id), "changes": _field_changes("branch", c)}
    ),
    "user.edited": lambda e, c: (
        _("%(record)s im Dashboard geändert: %(changes)s")
        % {"record": record_label("user", e.object_id), "changes": _field_changes("user", c)}
    ),
    "customer_number.edited": lambda e, c: (
        _("Kundennummer im Dashboard geändert: %(changes)s")
        % {"changes": _field_changes("customer_number", c)}
    ),
    "customer_number.created": lambda e, c: (
        (
            _("Kundennummer %(number)s bei %(partner)s für Filiale %(branch)s angelegt")
            if c.get("branch")
            else _("Kundennummer %(number)s bei %(partner)s für das ganze Unternehmen angelegt")
        )
        % {
            "number": _p(c, "number"),
            "partner": _partner_name(c.get("partner")),
            "branch": _p(c, "branch"),
        }
    ),
    "customer_number.deleted": lambda e, c: (
        (
            _("Kundennummer %(number)s bei %(partner)s für Filiale %(branch)s gelöscht")
            if c.get("branch")
            else _("Kundennummer %(number)s bei %(partner)s für das ganze Unternehmen gelöscht")
        )
        % {
            "number": _p(c, "number"),
            "partner": _partner_name(c.get("partner")),
            "branch": _p(c, "branch"),
        }
    ),
    "customer_number.reset": lambda e, c: (
        _("Kundennummer von „%(old)s“ auf den Wert der Branchensoftware „%(new)s“ zurückgesetzt")
        % {
            "old": value_text((c.get("number") or ["", ""])[0]),
            "new": value_text((c.get("number") or ["", ""])[-1]),
        }
    ),
    "notifications.preferences_changed": lambda e, c: _("Eigene Benachrichtigungen geändert"),
    "notifications.company_changed": lambda e, c: _("Benachrichtigungen des Unternehmens geändert"),
    "conflict.resolved": lambda e, c: (
        _("Konflikt bei %(record)s, Feld %(field)s, gelöst: %(resolution)s")
        % {
            "record": record_label(e.object_type, e.object_id),
            "field": field_label(e.object_type, c.get("field", "")),
            "resolution": _resolution(c.get("resolution")),
        }
    ),
    "login.invited": lambda e, c: (
        _("%(email)s als %(role)s eingeladen")
        % {"email": _p(c, "email"), "role": _role(c.get("role"))}
    ),
    "login.invitation_resent": lambda e, c: _("Einladung erneut gesendet"),
    "login.changed": lambda e, c: _login_changed(c),
    "login.password_set": lambda e, c: _("Passwort über die Einladung gesetzt"),
    "login.password_reset": lambda e, c: _("Passwort über den Link zurückgesetzt"),
    "login.password_changed": lambda e, c: _("Passwort geändert"),
    "login.second_factor_enabled": lambda e, c: _("Zwei-Faktor-Anmeldung eingeschaltet"),
    "login.second_factor_disabled": lambda e, c: _("Zwei-Faktor-Anmeldung ausgeschaltet"),
    "article_mapping.saved": lambda e, c: (
        _("Zuordnung gespeichert: „%(label)s“ ist bei %(partner)s Artikel %(article)s")
        % {
            "label": _p(c, "line"),
            "partner": _partner_name(c.get("partner")),
            "article": _p(c, "article"),
        }
    ),
    "article_mapping.deleted": lambda e, c: (
        _("Zuordnung gelöscht: „%(label)s“ bei %(partner)s")
        % {"label": _p(c, "line"), "partner": _partner_name(c.get("partner"))}
    ),
}


def audit_sentence(event) -> str:
    """One audit row as a sentence; an action without a sentence yet says that something changed."""
    render = AUDIT.get(event.action)
    changes = event.changes if isinstance(event.changes, dict) else {}
    if render is not None:
        try:
            return render(event, changes)
        except (KeyError, TypeError, ValueError, IndexError):
            pass
    return _("Änderung (Einzelheiten in den technischen Angaben)")


def technical(**values) -> str:
    """The codes, ids and parameters behind a sentence, for the administrators' detail."""
    lines = []
    for name, value in values.items():
        if value in (None, "", {}, []):
            continue
        if not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


# --- the order timeline ---------------------------------------------------------------------------


def _status_label(code: str) -> str:
    return str(OrderStatus(code).label) if code in OrderStatus.values else code


def event_sentence(event) -> str:
    """A timeline entry: "Status: Gesendet." or the reason (``ordering/reasons.py``), or both."""
    reason = reasons.event_reason(event)
    if event.to_status:
        status = _("Neuer Status: %(status)s") % {"status": _status_label(event.to_status)}
        return f"{status}. {reason}" if reason else f"{status}."
    return reason or _("Vermerk")
