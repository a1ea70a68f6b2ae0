"""Views of a company's logged-in people: the company comes from the login, never from the URL."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from orderhub.accounts import audit


def company_view(view):
    """Login required; the view receives the user's company and can only ever see that one."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        account = getattr(request.user, "account", None)
        if account is None:
            if getattr(request.user, "partner_account", None) is not None:
                return redirect("supplier_orders")
            raise PermissionDenied("this login belongs to no company")
        request.company = account.company
        return view(request, *args, **kwargs)

    return wrapper


def actor(request) -> str:
    return audit.actor_for_user(request.user)
