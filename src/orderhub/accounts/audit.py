"""The audit trail: who changed what, when (SPEC §3.7)."""

from __future__ import annotations

from orderhub.accounts.models import AuditEvent, Company
from orderhub.core import actors
from orderhub.core.actors import Actor


def record(
    company: Company,
    actor: str,
    action: str,
    *,
    object_type: str = "",
    object_id: object = "",
    changes: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        company=company,
        **actors.fields(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:100],
        changes=changes or {},
    )


def actor_for_user(user) -> Actor:
    """A person: the employee's name with the login (an invited login), or the login's name (the
    login that registered the company)."""
    account = getattr(user, "account", None)
    if account is not None and account.employee_id is not None:
        return Actor.person(user.get_username(), account.employee.name)
    return Actor.person(user.get_username())


def actor_for_token(token) -> Actor:
    """The practice software, through one of the company's API tokens."""
    return Actor.software(token.name, token.hint)
