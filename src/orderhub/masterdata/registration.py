"""Registration (SPEC §3.1) in the style of the OAuth device authorization grant.

Here, above accounts, because completing a registration applies its master-data snapshot: the
company (accounts) is created, then its branches, users and customer numbers (masterdata).
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from orderhub.accounts import audit
from orderhub.accounts.models import Account, ApiToken, Company, Registration
from orderhub.core import tokens
from orderhub.core.actors import Actor
from orderhub.core.problems import Gone, NotFound, Problem
from orderhub.masterdata import services as masterdata
from orderhub.masterdata.schemas import MasterDataIn, RegistrationIn


class PollTokenMismatch(Problem):
    kind = "forbidden"


class TooManyRegistrations(Problem):
    kind = "too-many-requests"


class RegistrationTooLarge(Problem):
    kind = "payload-too-large"


def check_registration_limits(client_digest: str, body_bytes: int) -> None:
    """Limits for the one endpoint a stranger can write to (issue 14, fault 2; docs/deployment.md).

    Counted in the database, so they hold across all web processes and machines.
    """
    if body_bytes > settings.REGISTRATION_MAX_BYTES:
        raise RegistrationTooLarge(
            f"a registration snapshot may have at most {settings.REGISTRATION_MAX_BYTES} bytes"
        )
    since = timezone.now() - timedelta(hours=1)
    recent = Registration.objects.filter(created_at__gte=since)
    per_ip = settings.REGISTRATION_RATE_PER_IP
    if client_digest and recent.filter(client_digest=client_digest).count() >= per_ip:
        raise TooManyRegistrations(
            f"at most {settings.REGISTRATION_RATE_PER_IP} registrations per hour from one address; "
            "please try again later",
            retry_after=3600,
        )
    if recent.count() >= settings.REGISTRATION_RATE_GLOBAL:
        raise TooManyRegistrations(
            "too many registrations at the moment; please try again later", retry_after=600
        )


def start_registration(data: RegistrationIn, client_digest: str = "") -> tuple[Registration, str]:
    masterdata.validate_references(data)
    poll_token = tokens.new_token("ohr")
    snapshot = data.model_dump(exclude={"software", "workstation"})
    registration = Registration.objects.create(
        poll_digest=tokens.digest(poll_token),
        snapshot=snapshot,
        software=data.software.model_dump() if data.software else {},
        workstation=data.workstation or "",
        client_digest=client_digest,
        expires_at=timezone.now() + timedelta(hours=settings.REGISTRATION_TTL_HOURS),
    )
    return registration, poll_token


def purge_registrations(now=None, days: int | None = None) -> dict:
    """Remove registrations' personal data after ``REGISTRATION_PURGE_DAYS`` (default 7).

    * expired and never finished: the row is deleted ``days`` after it expired;
    * finished (completed / token collected): the snapshot (employees' names, e-mail addresses,
      phone numbers), software, workstation and client digest are erased ``days`` after completion;
      the row stays (id, status, company, times), so a late poll is still answered 410.
    """
    now = now or timezone.now()
    days = settings.REGISTRATION_PURGE_DAYS if days is None else days
    cutoff = now - timedelta(days=days)
    status = Registration.Status
    deleted, _ = Registration.objects.filter(status=status.PENDING, expires_at__lt=cutoff).delete()
    finished = Registration.objects.filter(
        status__in=[status.COMPLETED, status.COLLECTED],
        completed_at__lt=cutoff,
        purged_at__isnull=True,
    )
    erased = finished.update(
        snapshot={}, software={}, workstation="", client_digest="", purged_at=now
    )
    return {"deleted": deleted, "erased": erased}


@transaction.atomic
def complete_registration(registration: Registration, *, username: str, email: str, password: str):
    """The person finished the page: create company, login and master data in one transaction."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != Registration.Status.PENDING:
        raise Gone("this registration has already been completed")
    if registration.is_expired:
        raise Gone(
            "this registration has expired; please start it again from the practice software"
        )
    snapshot = MasterDataIn.model_validate(registration.snapshot)
    company = Company.objects.create(
        name=snapshot.company.name,
        software_name=registration.software.get("name", ""),
        software_version=registration.software.get("version", ""),
    )
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    Account.objects.create(user=user, company=company)
    actor = Actor("registration", login=username)
    audit.record(
        company,
        actor,
        "company.registered",
        object_type="company",
        object_id=company.pk,
        changes={"username": username, "email": email, "workstation": registration.workstation},
    )
    masterdata.apply_snapshot(company, snapshot, actor)
    registration.status = Registration.Status.COMPLETED
    registration.company = company
    registration.completed_at = timezone.now()
    registration.save(update_fields=["status", "company", "completed_at"])
    return company, user


def get_open_registration(registration_id) -> Registration:
    try:
        return Registration.objects.get(pk=registration_id)
    except (Registration.DoesNotExist, ValueError):
        raise NotFound("unknown registration") from None


@transaction.atomic
def collect_token(registration_id, poll_token: str) -> tuple[str, Company] | None:
    """None while pending; the API token exactly once; Gone afterwards or when expired."""
    try:
        registration = Registration.objects.select_for_update().get(pk=registration_id)
    except (Registration.DoesNotExist, ValueError):
        raise NotFound("unknown registration") from None
    if not hmac.compare_digest(registration.poll_digest, tokens.digest(poll_token)):
        raise PollTokenMismatch("poll_token does not belong to this registration")
    if registration.status == Registration.Status.COLLECTED:
        raise Gone("the API token of this registration was already handed out")
    if registration.status == Registration.Status.PENDING:
        if registration.is_expired:
            raise Gone("this registration has expired; please start it again")
        return None
    company = registration.company
    assert company is not None  # an approved registration has its company
    label = (
        f"Schnittstelle {registration.workstation}".strip()
        if registration.workstation
        else "Schnittstelle"
    )
    _, plain = ApiToken.issue(company=company, name=label, created_by="Registrierung")
    registration.status = Registration.Status.COLLECTED
    registration.save(update_fields=["status"])
    audit.record(
        company,
        "Registrierung",
        "api_token.issued",
        object_type="api_token",
        changes={"name": label},
    )
    return plain, company
