"""Bearer-token authentication for company and partner endpoints."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from ninja.security import HttpBearer

from orderhub.accounts.models import ApiToken
from orderhub.core.middleware import reject_nul
from orderhub.partners.models import PartnerToken

#: ``last_used_at`` is refreshed at most this often, so reads don't turn into writes.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _touch(token) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        type(token).objects.filter(pk=token.pk).update(last_used_at=now)


class CompanyTokenAuth(HttpBearer):
    """``Authorization: Bearer ohc_…`` → ``request.auth`` is the ApiToken, ``request.company`` its company."""

    def authenticate(self, request, token: str):
        row = ApiToken.objects.select_related("company").find(token)
        if row is None or not row.company.is_active:
            return None
        _touch(row)
        reject_nul(request)
        request.company = row.company
        return row


class PartnerTokenAuth(HttpBearer):
    """``Authorization: Bearer ohp_…`` → ``request.partner``."""

    def authenticate(self, request, token: str):
        row = PartnerToken.objects.select_related("partner").find(token)
        if row is None or not row.partner.is_active:
            return None
        _touch(row)
        reject_nul(request)
        request.partner = row.partner
        return row


company_auth = CompanyTokenAuth()
partner_auth = PartnerTokenAuth()
