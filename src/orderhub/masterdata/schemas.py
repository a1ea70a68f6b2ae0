"""The master-data snapshot (SPEC §3.3, §4): exactly these fields, nothing more.

``extra="forbid"`` is data minimisation made executable: a personal field the contract does not
name (birthday, address of an employee, …) is refused instead of silently stored.

The input models are plain pydantic models, not Ninja ``Schema`` classes: Ninja's ``Schema`` wraps
every model in a validator that, with ``extra="forbid"``, validates each level twice (once as is,
once through its ``DjangoGetter``) — for a nested snapshot that is 2 × 2 passes over every user.
A plain model is validated exactly once, still by Ninja (so errors stay problem+json 422 naming
the field), and its OpenAPI schema is the same.
"""

from __future__ import annotations

import functools
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from ninja import Schema
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    field_validator,
    model_validator,
)

from orderhub.masterdata.gcpause import cyclic_gc_paused

Id = Field(min_length=1, max_length=64)


class _EmailValidator(EmailValidator):
    """Django's e-mail check, unchanged, made cheap for a snapshot's thousands of addresses: the regular
    expressions are compiled at import (Django keeps them behind lazy proxies, which cost more than the
    match), and the verdict on a domain is remembered (a practice's staff share one or two domains).
    """

    user_regex = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)
    domain_regex = re.compile(
        EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags
    )
    literal_regex = re.compile(
        EmailValidator.literal_regex.pattern, EmailValidator.literal_regex.flags
    )

    def __init__(self):
        super().__init__()
        self._domain_is_valid = functools.lru_cache(maxsize=1024)(super().validate_domain_part)

    def validate_domain_part(self, domain_part: str) -> bool:
        return self._domain_is_valid(domain_part)


validate_email = _EmailValidator()

COUNTRY_RE = re.compile(r"[A-Z]{2}")


def normalise_country(value: str) -> str:
    """The one rule for a branch's country, used by the API and the dashboard form alike.

    Validated *after* normalising: ``"hß".upper()`` is ``"HSS"``, three letters, which the column
    (and every later read) could not hold. Only two ASCII letters (ISO 3166-1 alpha-2) pass.
    """
    normalised = value.strip().upper()
    if not COUNTRY_RE.fullmatch(normalised):
        raise ValueError("must be a two-letter ISO 3166-1 country code (A-Z), e.g. DE")
    return normalised


class Strict(BaseModel):
    # from_attributes as in Ninja's Schema: the same behaviour and error messages as before.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, from_attributes=True)


class CompanyIn(Strict):
    name: str = Field(min_length=1, max_length=200)


class BranchIn(Strict):
    id: str = Id
    name: str = Field(min_length=1, max_length=200)
    street: str = Field("", max_length=200)
    postal_code: str = Field("", max_length=20)
    city: str = Field("", max_length=100)
    country: str = Field("DE", min_length=2, max_length=2)

    @field_validator("country")
    @classmethod
    def country_is_valid(cls, value: str) -> str:
        return normalise_country(value)


class UserIn(Strict):
    id: str = Id
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=50)
    branch_ids: list[str] = Field(default_factory=list, max_length=1000)
    is_admin: bool = False

    @field_validator("email")
    @classmethod
    def email_is_valid(cls, value: str | None) -> str | None:
        if value:
            try:
                validate_email(value)
            except DjangoValidationError:
                raise ValueError("not a valid e-mail address") from None
        return value or None


class CustomerNumberIn(Strict):
    partner: str = Field(min_length=1, max_length=50)
    customer_number: str = Field(min_length=1, max_length=64)
    branch_id: str | None = Field(None, max_length=64)


class MasterDataIn(Strict):
    company: CompanyIn
    branches: list[BranchIn] = Field(max_length=20_000)
    users: list[UserIn] = Field(default_factory=list, max_length=200_000)
    customer_numbers: list[CustomerNumberIn] = Field(default_factory=list, max_length=100_000)

    @model_validator(mode="wrap")
    @classmethod
    def _validate_without_gc_pauses(cls, data, handler: ModelWrapValidatorHandler):
        """Tens of thousands of objects are built here: see :func:`cyclic_gc_paused`."""
        with cyclic_gc_paused():
            return handler(data)


class SoftwareIn(Strict):
    name: str = Field(max_length=100)
    version: str = Field("", max_length=50)


#: What a stranger may send unauthenticated (issue 14, fault 2): sized to real practices — the
#: largest chains have some hundred branches and a few thousand employees; 1,000 / 20,000 leave
#: room.
REGISTRATION_MAX_BRANCHES = 1_000
REGISTRATION_MAX_USERS = 20_000
REGISTRATION_MAX_CUSTOMER_NUMBERS = 10_000


class RegistrationIn(MasterDataIn):
    branches: list[BranchIn] = Field(max_length=REGISTRATION_MAX_BRANCHES)
    users: list[UserIn] = Field(default_factory=list, max_length=REGISTRATION_MAX_USERS)
    customer_numbers: list[CustomerNumberIn] = Field(
        default_factory=list, max_length=REGISTRATION_MAX_CUSTOMER_NUMBERS
    )
    software: SoftwareIn | None = None
    workstation: str | None = Field(None, max_length=100)


class SyncCounts(Schema):
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0


class ConflictOut(Schema):
    id: int
    record_type: str
    record_id: str
    field: str
    dashboard_value: object | None
    source_value: object | None
    detected_at: str


class SyncResultOut(Schema):
    branches: SyncCounts
    users: SyncCounts
    customer_numbers: SyncCounts
    conflicts: list[ConflictOut]


# The answers describe what is stored; they are not validated again like input. A rule tightened
# after data was stored must never turn every later GET into a 500 (issue 14, fault 1).


class CompanyOut(Schema):
    name: str


class BranchOut(Schema):
    id: str
    name: str
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""


class UserOut(Schema):
    id: str
    name: str
    email: str | None = None
    phone: str | None = None
    branch_ids: list[str] = []
    is_admin: bool = False


class CustomerNumberOut(Schema):
    partner: str
    customer_number: str
    branch_id: str | None = None


class MasterDataOut(Schema):
    company: CompanyOut
    branches: list[BranchOut]
    users: list[UserOut]
    customer_numbers: list[CustomerNumberOut]
    conflicts: list[ConflictOut]
