"""The audit trail: who changed what, when (SPEC §3.7)."""

from __future__ import annotations

from orderhub.accounts.models import AuditEvent, Company


def record(
    company: Company,
    actor: str,
    action: str,
    *,
    object_type: str = "",
    object_id: str = "",
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
    return f"Benutzer {user.get_username()}"


def actor_for_token(token) -> str:
    return f"API-Token {token.name} (…{token.hint})"
