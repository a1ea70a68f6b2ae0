"""The master-data snapshot (SPEC §3.3, §4): exactly these fields, nothing more.

``extra="forbid"`` is data minimisation made executable: a personal field the contract does not
name (birthday, address of an employee, …) is refused instead of silently stored.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import ConfigDict, Field, field_validator

Id = Field(min_length=1, max_length=64)


class Strict(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CompanyIn(Strict):
    name: str = Field(min_length=1, max_length=200)


class BranchIn(Strict):
    id: str = Id
    name: str = Field(min_length=1, max_length=200)
    street: str = Field("", max_length=200)
    postal_code: str = Field("", max_length=20)
    city: str = Field("", max_length=100)
    country: str = Field("DE", min_length=2, max_length=2)


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


class SoftwareIn(Strict):
    name: str = Field(max_length=100)
    version: str = Field("", max_length=50)


class RegistrationIn(MasterDataIn):
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


class MasterDataOut(Schema):
    company: CompanyIn
    branches: list[BranchIn]
    users: list[UserIn]
    customer_numbers: list[CustomerNumberIn]
    conflicts: list[ConflictOut]
