"""The audit trail: who changed what, when (SPEC §3.7)."""

from __future__ import annotations

from orderhub.accounts.models import AuditEvent, Company


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
        actor=actor[:200],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:100],
        changes=changes or {},
    )


def actor_for_user(user) -> str:
    """A person: the employee's name with the login (an invited login), or the login's name (the
    login that registered the company)."""
    account = getattr(user, "account", None)
    if account is not None and account.employee_id is not None:
        return f"{account.employee.name} ({user.get_username()})"
    return f"Benutzer {user.get_username()}"


def actor_for_token(token) -> str:
    """The practice software, through one of the company's API tokens."""
    return f"Branchensoftware (API-Token {token.name} …{token.hint})"
