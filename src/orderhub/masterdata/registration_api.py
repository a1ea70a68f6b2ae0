"""Registration endpoints (SPEC §3.1, §4)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.urls import reverse
from ninja import Router, Schema, Status
from pydantic import Field

from orderhub.core.clientip import client_digest
from orderhub.core.middleware import reject_nul
from orderhub.masterdata import registration as services
from orderhub.masterdata.schemas import RegistrationIn

router = Router(tags=["registration"])


class RegistrationOut(Schema):
    registration_id: uuid.UUID
    registration_url: str
    poll_token: str
    expires_at: str


class PollIn(Schema):
    poll_token: str = Field(min_length=1, max_length=200)


class PendingOut(Schema):
    status: str


class TokenOut(Schema):
    api_token: str
    company_id: uuid.UUID


def absolute_url(request, path: str) -> str:
    return f"{settings.BASE_URL}{path}" if settings.BASE_URL else request.build_absolute_uri(path)


@router.post(
    "", response={201: RegistrationOut}, summary="Start a registration with the master data"
)
def start_registration(request, payload: RegistrationIn):
    reject_nul(request)
    digest = client_digest(request)
    services.check_registration_limits(digest, len(request.body))
    registration, poll_token = services.start_registration(payload, digest)
    return Status(
        201,
        {
            "registration_id": registration.pk,
            "registration_url": absolute_url(
                request, reverse("registration", args=[registration.pk])
            ),
            "poll_token": poll_token,
            "expires_at": registration.expires_at.isoformat(),
        },
    )


@router.post(
    "/{registration_id}/token",
    response={200: TokenOut, 202: PendingOut},
    summary="Poll for the company API token (once)",
)
def poll_token(request, registration_id: uuid.UUID, payload: PollIn):
    reject_nul(request)
    result = services.collect_token(registration_id, payload.poll_token)
    if result is None:
        return Status(202, {"status": "pending"})
    plain, company = result
    return Status(200, {"api_token": plain, "company_id": company.pk})
