"""A company's personal logins (SPEC §3.11): invitations, roles, blocking, and the mails they send.

An administrator invites an employee synced from the practice software: the login's username is
the employee's e-mail address, it has no password yet, and the mail carries a set-password link made
by Django's password-reset token generator (valid ``PASSWORD_RESET_TIMEOUT``; it stops working once
a password is set). Mails go through Django's mail framework, German first, English second, because
OrderHub does not know which language the reader prefers.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from orderhub.accounts import audit
from orderhub.accounts.models import Account, Company, Role
from orderhub.core.problems import Conflict, InvalidInput, Problem

log = logging.getLogger(__name__)

LANGUAGES = ("de", "en")


def login_mail(subject: str, template: str, context: dict) -> tuple[str, str]:
    """(subject, body) of a set-password mail; ``subject`` is a msgid (mark it gettext_noop).

    In the language of the person who sends it: the administrator who invites, the person who
    asks for a new password on the page, the operator (German unless the admin page is read in
    English). The new login chooses its own language once it is in. Only where no language is
    active (a script) are both written, German first."""
    active = (translation.get_language() or "")[:2]
    languages = [active] if active in LANGUAGES else list(LANGUAGES)
    subjects, bodies = [], []
    for language in languages:
        with translation.override(language):
            subjects.append(_(subject))
            bodies.append(render_to_string(template, context).strip())
    return " / ".join(subjects), "\n\n-- English --\n\n".join(bodies) + "\n"


def set_password_path(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("invitation_accept", args=[uid, default_token_generator.make_token(user)])


def send_invitation(account: Account, base_url: str) -> bool:
    """Mail the set-password link; False when the SMTP relay refused or was unreachable."""
    user = account.user
    subject, body = login_mail(
        gettext_noop("Ihr Zugang zu OrderHub"),
        "accounts/invitation_mail.txt",
        {
            "name": account.person_name,
            "company": account.company.name,
            "invited_by": account.invited_by,
            "username": user.get_username(),
            "role": Role(account.role).label,
            "link": base_url + set_password_path(user),
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )
    try:
        EmailMessage(subject, body, to=[user.email]).send()
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("invitation mail to login %s not sent: %s", user.pk, exc)
        return False
    return True


def invite(
    company: Company, employee, role: str, *, by: Account, base_url: str
) -> tuple[Account, bool]:
    """Create the login of a synced employee (``masterdata.Employee``) and mail them the link;
    ``by`` is the inviting administrator's account.

    Returns the account and whether the mail went out (the login exists either way; the
    administrator can send the invitation again).
    """
    if role not in Role.values:
        raise InvalidInput("role", "unknown role")
    if employee.company_id != company.pk or not employee.is_active:
        raise InvalidInput("employee", "no such employee")
    email = (employee.email or "").strip().lower()
    if not email:
        raise Problem(
            _("Für diesen Mitarbeiter ist keine E-Mail-Adresse bekannt."), kind="invalid-input"
        )
    users = get_user_model().objects
    with transaction.atomic():
        if Account.objects.filter(employee=employee).exists():
            raise Conflict(_("Dieser Mitarbeiter hat bereits einen Zugang."))
        if users.filter(username__iexact=email).exists():
            raise Conflict(
                _("Mit dieser E-Mail-Adresse meldet sich bereits ein anderer Zugang an.")
            )
        user = users.create_user(username=email, email=email, password=None)
        account = Account.objects.create(
            user=user,
            company=company,
            role=role,
            employee=employee,
            invited_by=by.person_name[:200],
            invited_at=timezone.now(),
        )
        audit.record(
            company,
            audit.actor_for_user(by.user),
            "login.invited",
            object_type="login",
            object_id=user.pk,
            changes={"employee": employee.external_id, "email": email, "role": role},
        )
    return account, send_invitation(account, base_url)


def resend_invitation(account: Account, actor: str, base_url: str) -> bool:
    if account.has_password:
        raise Conflict(_("Dieser Zugang hat bereits ein Passwort."))
    audit.record(
        account.company,
        actor,
        "login.invitation_resent",
        object_type="login",
        object_id=account.user_id,
    )
    return send_invitation(account, base_url)


def change(account: Account, actor_account: Account, *, role: str, active: bool) -> dict:
    """An administrator sets another login's role or blocks/unblocks it; never their own (so a
    company cannot lose its last administrator by accident)."""
    if account.pk == actor_account.pk:
        raise Conflict(_("Ihren eigenen Zugang können Sie hier nicht ändern."))
    if role not in Role.values:
        raise InvalidInput("role", "unknown role")
    user = account.user
    changes: dict[str, list] = {}
    if account.role != role:
        changes["role"] = [account.role, role]
        account.role = role
        account.save(update_fields=["role"])
    if user.is_active != active:
        changes["active"] = [user.is_active, active]
        user.is_active = active
        user.save(update_fields=["is_active"])
    if changes:
        audit.record(
            account.company,
            audit.actor_for_user(actor_account.user),
            "login.changed",
            object_type="login",
            object_id=user.pk,
            changes=changes,
        )
    return changes
