"""Bearer-token authentication for company and partner endpoints."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from ninja.security import HttpBearer

from orderhub.accounts.models import ApiToken
from orderhub.core import tokencache, tokens
from orderhub.core.middleware import reject_nul
from orderhub.partners.models import PartnerToken

#: ``last_used_at`` is refreshed at most this often, so reads don't turn into writes.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _touch(token) -> bool:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        type(token).objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        return True
    return False


class CompanyTokenAuth(HttpBearer):
    """``Authorization: Bearer ohc_…`` → ``request.auth`` is the ApiToken, ``request.company`` its company.

    A token found valid is remembered per process for a short time (``orderhub.core.tokencache``:
    revocations are obeyed at once on this machine and within 2 s everywhere else).
    """

    def authenticate(self, request, token: str):
        digest = tokens.digest(token)
        cached = tokencache.get(digest)
        if cached is not None:
            row, company = cached
            row.company = company
        else:
            row = ApiToken.objects.select_related("company").active().filter(digest=digest).first()
            if row is None or not row.company.is_active:
                return None
            company = row.company
            tokencache.put(digest, row, company)
        if _touch(row):
            tokencache.put(digest, row, company)
        reject_nul(request)
        request.company = company
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
