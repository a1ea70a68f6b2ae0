"""A cart line's issue in the page's language (``catalog.issues``): ``{% load cart_issues %}``,
then ``{{ line.issue|issue_message }}``, ``{{ candidate|candidate_reason }}`` (a stored candidate
or an ``identification.Candidate``) and ``{{ alternative|option_choice }}``."""

from __future__ import annotations

from typing import Any

from django import template

from orderhub.catalog import issues

register = template.Library()


@register.filter
def issue_message(issue: dict[str, Any] | None) -> str:
    return issues.message(issue) if issue else ""


@register.filter
def candidate_reason(candidate: Any) -> str:
    if isinstance(candidate, dict):
        return issues.reason(candidate.get("why"), candidate)
    return issues.reason(getattr(candidate, "why", None))


@register.filter
def option_choice(alternative: dict[str, Any]) -> str:
    return issues.alternative(alternative)
