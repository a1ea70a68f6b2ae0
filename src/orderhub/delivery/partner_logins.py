"""Personal logins of the supplier portal (issue 15): several per partner, invited by the operator.

The operator (Django admin or ``orderhub partner invite``) invites a supplier clerk by e-mail: the
login's username is the address, it has no password yet, and the mail carries the same
set-password link as a company invitation (``accounts.logins.set_password_path``: Django's
password-reset token, valid ``PASSWORD_RESET_TIMEOUT``, useless once a password is set). Following
it, the clerk chooses a password and lands in the supplier portal. Password reset finds supplier
logins like any other (by e-mail address). Blocking deactivates the Django user, so the login can
neither log in nor keep a session, nor ask for a reset link.

There is no company to write an audit row for, so the operator's actions are kept on the login
(``invited_by``, ``invited_at``), in the Django admin's history (the admin actions log them with the
staff user) and in the log.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from orderhub.accounts.logins import login_mail, set_password_path
from orderhub.core.problems import Conflict, Problem
from orderhub.delivery.models import PartnerAccount
from orderhub.partners.models import Partner

log = logging.getLogger(__name__)


def normalise_email(address: str) -> str:
    email = (address or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise Problem(
            _("Bitte eine gültige E-Mail-Adresse angeben."), kind="invalid-input"
        ) from None
    return email


def check_free(email: str) -> None:
    """Refuse an address some login (company or supplier) already uses as its name."""
    if get_user_model().objects.filter(username__iexact=email).exists():
        raise Conflict(_("Mit dieser E-Mail-Adresse meldet sich bereits ein anderer Zugang an."))


def send_invitation(account: PartnerAccount, base_url: str) -> bool:
    """Mail the set-password link; False when the SMTP relay refused or was unreachable."""
    user = account.user
    subject, body = login_mail(
        gettext_noop("Ihr Zugang zum OrderHub-Lieferantenportal"),
        "delivery/partner_invitation_mail.txt",
        {
            "name": account.name,
            "partner": account.partner.name,
            "username": user.get_username(),
            "link": base_url.rstrip("/") + set_password_path(user),
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )
    try:
        EmailMessage(subject, body, to=[user.email]).send()
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("supplier invitation mail to login %s not sent: %s", user.pk, exc)
        return False
    log.info(
        "supplier login %s of %s invited by %s", user.pk, account.partner.slug, account.invited_by
    )
    return True


def invite(
    partner: Partner, email: str, *, name: str = "", by: str, base_url: str
) -> tuple[PartnerAccount, bool]:
    """Create a supplier-portal login of ``partner`` for ``email`` and mail the link; ``by`` names
    the operator ("Betreiber <login>").

    Returns the login and whether the mail went out (the login exists either way; the operator can
    send the invitation again)."""
    email = normalise_email(email)
    users = get_user_model().objects
    with transaction.atomic():
        check_free(email)
        user = users.create_user(username=email, email=email, password=None)
        account = PartnerAccount.objects.create(
            user=user,
            partner=partner,
            name=(name or "").strip()[:200],
            invited_by=by[:200],
            invited_at=timezone.now(),
        )
    return account, send_invitation(account, base_url)


def resend_invitation(account: PartnerAccount, *, by: str, base_url: str) -> bool:
    """Send the link again (a new token; older links stay valid until a password is set)."""
    if not account.user.is_active:
        raise Conflict(_("Dieser Zugang ist gesperrt."))
    if account.has_password:
        raise Conflict(_("Dieser Zugang hat bereits ein Passwort."))
    account.invited_by, account.invited_at = by[:200], timezone.now()
    account.save(update_fields=["invited_by", "invited_at"])
    return send_invitation(account, base_url)


def set_active(account: PartnerAccount, active: bool, *, by: str) -> bool:
    """Block or unblock a login; True when that changed anything. A blocked login cannot log in,
    loses its open sessions (Django drops inactive users) and gets no reset link."""
    user = account.user
    if user.is_active == active:
        return False
    user.is_active = active
    user.save(update_fields=["is_active"])
    log.info(
        "supplier login %s of %s %s by %s",
        user.pk,
        account.partner.slug,
        "unblocked" if active else "blocked",
        by,
    )
    return True
