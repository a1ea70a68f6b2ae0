"""Views of a company's logged-in people: the company comes from the login, never from the URL."""

from __future__ import annotations

from collections.abc import Iterable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

from orderhub.accounts import access, audit
from orderhub.accounts.models import Role

#: Pages for administrators only (logins, tokens, webhooks).
ADMINS = (Role.ADMIN,)
#: Pages about the whole company (master data, audit trail): administrators and read-only logins.
COMPANY_READERS = (Role.ADMIN, Role.READ_ONLY)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def needs_second_factor(request) -> bool:
    """A login with a confirmed TOTP device has not entered a code in this session yet."""
    user = request.user
    return not user.is_verified() and user_has_device(user, confirmed=True)


def company_view(view=None, *, roles: Iterable[str] | None = None):
    """Login required; the view receives the user's company and can only ever see that one.

    Also sets ``request.account`` and ``request.access`` (branches and role, see
    ``orderhub.accounts.access``). ``roles`` limits the page to those roles (403 otherwise); a
    read-only login is refused every write (any method but GET/HEAD/OPTIONS). A login with a second
    factor goes to the code page first; a login whose employee the practice software deactivated is
    logged out.
    """
    allowed = frozenset(roles) if roles is not None else None

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            account = getattr(request.user, "account", None)
            if account is None:
                if getattr(request.user, "partner_account", None) is not None:
                    return redirect("supplier_orders")
                raise PermissionDenied("this login belongs to no company")
            if account.employee_id is not None and not account.employee.is_active:
                logout(request)
                messages.error(
                    request,
                    _(
                        "Ihr Zugang ist nicht mehr aktiv: die Branchensoftware führt Sie nicht mehr "
                        "als Mitarbeiter."
                    ),
                )
                return redirect("login")
            if needs_second_factor(request):
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('login_second_factor')}?{query}")
            grant = access.for_account(account)
            if allowed is not None and account.role not in allowed:
                raise PermissionDenied("this page is not open to this login's role")
            if request.method not in SAFE_METHODS and not grant.can_write:
                raise PermissionDenied("a read-only login changes nothing")
            request.company = account.company
            request.account = account
            request.access = grant
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def actor(request) -> str:
    return audit.actor_for_user(request.user)
