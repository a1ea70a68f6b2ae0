"""Applying a master-data snapshot (SPEC §3.2) and editing/resolving in the dashboard.

One snapshot is one transaction. The sync compares each record with what is stored and writes only
what changed, so an unchanged snapshot performs no writes at all (not even the audit trail).

It is built for chains with thousands of users, where an unchanged resync must stay cheap: stored
rows are read as tuples (a handful of queries per table, no model instances), an active record
without dashboard overrides whose values equal the incoming ones is settled by one tuple
comparison, and only the rest — new, changed, deactivated, or edited in the dashboard — go through
the field-by-field reconciliation with its overrides and conflicts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from orderhub.accounts import audit
from orderhub.accounts.models import Company
from orderhub.core import fastsql
from orderhub.core.problems import Conflict as StateConflict
from orderhub.core.problems import InvalidInput
from orderhub.masterdata.gcpause import cyclic_gc_paused
from orderhub.masterdata.models import (
    Branch,
    Conflict,
    CustomerNumber,
    Employee,
    EmployeeBranch,
    SyncedRecord,
)
from orderhub.masterdata.schemas import MasterDataIn
from orderhub.partners.models import Partner

BATCH = 1000


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deactivated": self.deactivated,
            "unchanged": self.unchanged,
        }


@dataclass
class SyncResult:
    branches: Counts = field(default_factory=Counts)
    users: Counts = field(default_factory=Counts)
    customer_numbers: Counts = field(default_factory=Counts)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def wrote_anything(self) -> bool:
        return any(
            c.created or c.updated or c.deactivated
            for c in (self.branches, self.users, self.customer_numbers)
        )


def validate_references(snapshot: MasterDataIn) -> dict[str, Partner]:
    """Cross-record checks the schema cannot express; each error names its field."""
    seen: set[str] = set()
    for i, b in enumerate(snapshot.branches):
        if b.id in seen:
            raise InvalidInput(f"branches[{i}].id", f"duplicate branch id {b.id!r}")
        seen.add(b.id)
    branch_ids = seen
    seen = set()
    for i, u in enumerate(snapshot.users):
        if u.id in seen:
            raise InvalidInput(f"users[{i}].id", f"duplicate user id {u.id!r}")
        seen.add(u.id)
        for j, bid in enumerate(u.branch_ids):
            if bid not in branch_ids:
                raise InvalidInput(f"users[{i}].branch_ids[{j}]", f"unknown branch id {bid!r}")
    partners = {
        p.slug: p
        for p in Partner.objects.filter(slug__in={c.partner for c in snapshot.customer_numbers})
    }
    keys = set()
    for i, cn in enumerate(snapshot.customer_numbers):
        if cn.partner not in partners:
            raise InvalidInput(f"customer_numbers[{i}].partner", f"unknown partner {cn.partner!r}")
        if cn.branch_id is not None and cn.branch_id not in branch_ids:
            raise InvalidInput(
                f"customer_numbers[{i}].branch_id", f"unknown branch id {cn.branch_id!r}"
            )
        key = (cn.partner, cn.branch_id)
        if key in keys:
            raise InvalidInput(
                f"customer_numbers[{i}]", "second customer number for the same partner and branch"
            )
        keys.add(key)
    return partners


class _Reconciler:
    """Compares incoming values with one record; collects writes instead of performing them."""

    def __init__(self, company: Company, record_type: str, now):
        self.company = company
        self.record_type = record_type
        self.now = now
        self.open_conflicts: dict[tuple[int, str], Conflict] = {
            (c.record_id, c.field): c
            for c in Conflict.objects.filter(
                company=company, record_type=record_type, resolved_at__isnull=True
            )
        }
        self.new_conflicts: list[Conflict] = []
        self.changed_conflicts: list[Conflict] = []
        self.closed_conflicts: list[Conflict] = []

    def reconcile(self, record: SyncedRecord, key: str, incoming: dict[str, Any]) -> bool:
        """Apply ``incoming`` to ``record`` in memory; True when the record must be saved."""
        dirty = False
        for name, value in incoming.items():
            current = getattr(record, name)
            override = record.overrides.get(name)
            if override is None:
                if current != value:
                    setattr(record, name, value)
                    dirty = True
                continue
            conflict = self.open_conflicts.get((record.pk, name))
            if value != current and override.get("source") != value:
                # The practice software's latest value, kept so a person can go back to it.
                override = {**override, "source": value}
                record.overrides = {**record.overrides, name: override}
                dirty = True
            if value == current:
                # The practice software now says what the dashboard says: nothing left to resolve.
                record.overrides = {k: v for k, v in record.overrides.items() if k != name}
                dirty = True
                if conflict:
                    conflict.resolved_at, conflict.resolution, conflict.resolved_by = (
                        self.now,
                        "take_source",
                        "sync",
                    )
                    self.closed_conflicts.append(conflict)
            elif "acknowledged" in override and override["acknowledged"] == value:
                continue  # a person already decided to keep the dashboard value over exactly this one
            elif conflict is None:
                self.new_conflicts.append(
                    Conflict(
                        company=self.company,
                        record_type=self.record_type,
                        record_key=key,
                        record_id=record.pk,
                        field=name,
                        dashboard_value=current,
                        source_value=value,
                        detected_at=self.now,
                    )
                )
            elif conflict.source_value != value:
                conflict.source_value, conflict.detected_at = value, self.now
                self.changed_conflicts.append(conflict)
        if not record.is_active and DELETED not in record.overrides:
            record.is_active = True
            dirty = True
        return dirty

    def flush(self) -> bool:
        if self.new_conflicts:
            Conflict.objects.bulk_create(self.new_conflicts, batch_size=BATCH)
        if self.changed_conflicts:
            Conflict.objects.bulk_update(
                self.changed_conflicts, ["source_value", "detected_at"], batch_size=BATCH
            )
        if self.closed_conflicts:
            Conflict.objects.bulk_update(
                self.closed_conflicts,
                ["resolved_at", "resolution", "resolved_by"],
                batch_size=BATCH,
            )
        return bool(self.new_conflicts or self.changed_conflicts or self.closed_conflicts)


#: An existing row as read for the compare: (pk, synced values, is_active, created_in_dashboard, has_overrides).
Row = tuple[int, tuple, bool, bool, bool]


def _existing_rows(model, company: Company, key_fields: tuple[str, ...]) -> dict[str, Row]:
    """The company's records of ``model`` as plain tuples, in two queries (no model instances, no JSON).

    ``has_overrides`` comes from a second query over the few rows a person edited in the dashboard, so
    the ``overrides`` JSON of the other rows is never decoded.
    """
    records = model.objects.filter(company=company).order_by()
    overridden = set(records.exclude(overrides={}).values_list("pk", flat=True))
    n_key = len(key_fields)
    rows: dict[str, Row] = {}
    for row in records.values_list(
        *key_fields, "pk", *model.SYNCED_FIELDS, "is_active", "created_in_dashboard"
    ):
        key = customer_number_key(*row[:n_key]) if n_key > 1 else row[0]
        pk = row[n_key]
        rows[key] = (pk, row[n_key + 1 : -2], row[-2], row[-1], pk in overridden)
    return rows


def _sync_kind(
    model,
    company: Company,
    incoming: list[tuple[str, tuple, dict]],
    existing: dict[str, Row],
    record_type: str,
    now,
    counts: Counts,
) -> tuple[dict[str, int], set[int], bool]:
    """Upsert ``incoming`` = [(key, synced values in ``model.SYNCED_FIELDS`` order, extra create kwargs)];
    deactivate the rest. Returns ({key: pk} of every record, pks written by this sync, conflicts changed).

    A record that is active, has no dashboard override and whose stored values equal the incoming
    tuple is unchanged — the common case, decided by one tuple comparison. Only the others are
    loaded as model instances and go through the field-by-field :class:`_Reconciler`.
    """
    fields = model.SYNCED_FIELDS
    to_create, to_check = [], {}
    for key, values, create_kwargs in incoming:
        row = existing.get(key)
        if row is None:
            to_create.append(
                model(
                    company_id=company.pk,
                    updated_at=now,
                    **dict(zip(fields, values)),
                    **create_kwargs,
                )
            )
        elif row[2] and not row[4] and row[1] == values:
            counts.unchanged += 1
        else:
            to_check[row[0]] = (key, values)
    incoming_keys = {key for key, _, _ in incoming}
    to_deactivate = [
        row[0]
        for key, row in existing.items()
        if key not in incoming_keys and row[2] and not row[3]
    ]

    written: set[int] = set()
    conflicts_changed = False
    if to_check:
        reconciler = _Reconciler(company, record_type, now)
        to_update = []
        for batch in _batches(list(to_check)):
            for record in model.objects.filter(pk__in=batch).order_by():
                key, values = to_check[record.pk]
                if reconciler.reconcile(record, key, dict(zip(fields, values))):
                    record.updated_at = now
                    to_update.append(record)
                    counts.updated += 1
                else:
                    counts.unchanged += 1
        if to_update:
            model.objects.bulk_update(
                to_update, [*fields, "overrides", "is_active", "updated_at"], batch_size=BATCH
            )
            written.update(r.pk for r in to_update)
        conflicts_changed = reconciler.flush()
    for batch in _batches(to_deactivate):
        model.objects.filter(pk__in=batch).update(is_active=False, updated_at=now)
    counts.deactivated = len(to_deactivate)
    written.update(to_deactivate)
    if to_create:
        model.objects.bulk_create(to_create, batch_size=BATCH)
        counts.created = len(to_create)
        written.update(r.pk for r in to_create)

    pks = {key: row[0] for key, row in existing.items()}
    for (key, _, _), record in zip((i for i in incoming if i[0] not in existing), to_create):
        pks[key] = record.pk
    return pks, written, conflicts_changed


def _batches(items: list, size: int = 900):
    """Slices small enough for SQLite's limit on query parameters."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def customer_number_key(partner_slug: str, branch_external_id: str | None) -> str:
    return f"{partner_slug}/{branch_external_id}" if branch_external_id else partner_slug


def _insert_memberships(pairs: list[tuple[int, int]]) -> None:
    """INSERT (employee, branch) pairs, many rows per statement.

    The same statements ``bulk_create`` would send, without building a model instance per row
    (a first sync of 10,000 users inserts ~17,000 memberships; the instances cost more than the SQL).
    Measured for issue 13 (CPU of the request in one process, SQLite): the first sync costs ~55 %
    more through ``bulk_create(batch_size=1000)``.
    """
    fastsql.insert_values(EmployeeBranch, ("employee", "branch"), pairs)


def _sync_memberships(
    company: Company,
    snapshot: MasterDataIn,
    branch_pks: dict[str, int],
    employee_pks: dict[str, int],
) -> set[int]:
    """Make each user's branch memberships those of the snapshot; returns the users whose set changed."""
    have: dict[int, set[int]] = defaultdict(set)
    row_ids: dict[tuple[int, int], int] = {}
    for row_id, emp_pk, branch_pk in (
        EmployeeBranch.objects.filter(employee__company=company)
        .order_by()
        .values_list("pk", "employee_id", "branch_id")
    ):
        have[emp_pk].add(branch_pk)
        row_ids[emp_pk, branch_pk] = row_id
    empty: set[int] = set()
    add: list[tuple[int, int]] = []
    remove: list[int] = []
    changed: set[int] = set()
    for u in snapshot.users:
        emp_pk = employee_pks[u.id]
        wanted = {branch_pks[bid] for bid in u.branch_ids}
        current = have.get(emp_pk, empty)
        if wanted != current:
            changed.add(emp_pk)
            add.extend((emp_pk, b) for b in wanted - current)
            remove.extend(row_ids[emp_pk, b] for b in current - wanted)
    _insert_memberships(add)
    for batch in _batches(remove):
        EmployeeBranch.objects.filter(pk__in=batch).delete()
    return changed


def apply_snapshot(company: Company, snapshot: MasterDataIn, actor: str) -> SyncResult:
    """Upsert the full snapshot; all or nothing."""
    with cyclic_gc_paused(), transaction.atomic():
        return _apply_snapshot(company, snapshot, actor)


def _apply_snapshot(company: Company, snapshot: MasterDataIn, actor: str) -> SyncResult:
    partners = validate_references(snapshot)
    now = timezone.now()
    result = SyncResult()
    wrote = False

    if company.name != snapshot.company.name:
        old = company.name
        company.name = snapshot.company.name
        company.save(update_fields=["name"])
        audit.record(
            company,
            actor,
            "company.renamed",
            object_type="company",
            object_id=company.pk,
            changes={"name": [old, company.name]},
        )

    # Branches
    incoming: list[tuple[str, tuple, dict]] = [
        (
            (
                b.id,
                (b.name, b.street, b.postal_code, b.city, b.country.upper()),
                {"external_id": b.id},
            )
        )
        for b in snapshot.branches
    ]
    branch_pks, _, changed = _sync_kind(
        Branch,
        company,
        incoming,
        _existing_rows(Branch, company, ("external_id",)),
        "branch",
        now,
        result.branches,
    )
    wrote |= changed

    # Users and their branch memberships
    incoming = [
        (u.id, (u.name, u.email or "", u.phone or "", u.is_admin), {"external_id": u.id})
        for u in snapshot.users
    ]
    employee_pks, written, changed = _sync_kind(
        Employee,
        company,
        incoming,
        _existing_rows(Employee, company, ("external_id",)),
        "user",
        now,
        result.users,
    )
    wrote |= changed
    membership_changed = _sync_memberships(company, snapshot, branch_pks, employee_pks)
    # A user whose only change is branch membership counts as updated, once. Created and
    # already-updated users carry this sync's timestamp.
    extra_updates = [pk for pk in membership_changed if pk not in written]
    for batch in _batches(extra_updates):
        Employee.objects.filter(pk__in=batch).update(updated_at=now)
    result.users.updated += len(extra_updates)
    result.users.unchanged -= len(extra_updates)

    # Customer numbers
    incoming = [
        (
            customer_number_key(cn.partner, cn.branch_id),
            (cn.customer_number,),
            {
                "partner": partners[cn.partner],
                "branch_id": branch_pks[cn.branch_id] if cn.branch_id else None,
            },
        )
        for cn in snapshot.customer_numbers
    ]
    existing = _existing_rows(CustomerNumber, company, ("partner__slug", "branch__external_id"))
    _, _, changed = _sync_kind(
        CustomerNumber, company, incoming, existing, "customer_number", now, result.customer_numbers
    )
    wrote |= changed

    if result.wrote_anything or wrote:
        audit.record(
            company,
            actor,
            "masterdata.synced",
            object_type="masterdata",
            changes={
                "branches": result.branches.as_dict(),
                "users": result.users.as_dict(),
                "customer_numbers": result.customer_numbers.as_dict(),
            },
        )
    result.conflicts = list(Conflict.objects.filter(company=company, resolved_at__isnull=True))
    return result


#: The ``overrides`` key that marks a record a person deleted in the dashboard: a sync that still
#: sends it leaves it inactive.
DELETED = "is_active"

EDITABLE_FIELDS = {
    Branch: ("name", "street", "postal_code", "city", "country"),
    Employee: ("name", "email", "phone", "is_admin"),
    CustomerNumber: ("number",),
}
RECORD_TYPES = {Branch: "branch", Employee: "user", CustomerNumber: "customer_number"}


@transaction.atomic
def edit_in_dashboard(record: SyncedRecord, values: dict[str, Any], actor: str) -> dict[str, list]:
    """A person changed fields in the dashboard: the new values stay in force over later syncs."""
    model = type(record)
    record = model._default_manager.select_for_update().order_by().get(pk=record.pk)
    changes = {}
    overrides = dict(record.overrides)
    for name in EDITABLE_FIELDS[model]:
        if name not in values or getattr(record, name) == values[name]:
            continue
        changes[name] = [getattr(record, name), values[name]]
        if name not in overrides and not record.created_in_dashboard:
            # The value in force came from the practice software: keep it to go back to.
            overrides[name] = {"source": getattr(record, name)}
        setattr(record, name, values[name])
        overrides.setdefault(name, {})
        Conflict.objects.filter(
            record_type=RECORD_TYPES[model],
            record_id=record.pk,
            field=name,
            resolved_at__isnull=True,
        ).update(dashboard_value=values[name])
    if not changes:
        return {}
    record.overrides = overrides
    record.updated_at = timezone.now()
    record.save()
    audit.record(
        record.company,
        actor,
        f"{RECORD_TYPES[model]}.edited",
        object_type=RECORD_TYPES[model],
        object_id=getattr(record, "external_id", record.pk),
        changes=changes,
    )
    return changes


@transaction.atomic
def create_customer_number(
    company: Company, partner: Partner, branch: Branch | None, number: str, actor: str
) -> CustomerNumber:
    """A person entered a customer number (dashboard or cart); later syncs keep it."""
    existing = (
        CustomerNumber.objects.select_for_update()
        .filter(company=company, partner=partner, branch=branch)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        edit_in_dashboard(existing, {"number": number}, actor)
        existing.refresh_from_db()
        if not existing.is_active:
            overrides = {k: v for k, v in existing.overrides.items() if k != DELETED}
            CustomerNumber.objects.filter(pk=existing.pk).update(
                is_active=True, overrides=overrides
            )
            existing.refresh_from_db()
        return existing
    record = CustomerNumber.objects.create(
        company=company,
        partner=partner,
        branch=branch,
        number=number,
        overrides={"number": {}},
        created_in_dashboard=True,
    )
    audit.record(
        company,
        actor,
        "customer_number.created",
        object_type="customer_number",
        object_id=record.pk,
        changes={
            "partner": partner.slug,
            "branch": branch.external_id if branch else None,
            "number": number,
        },
    )
    return record


def practice_software_number(record: CustomerNumber) -> str | None:
    """The number the practice software sends for ``record`` when a person set another one in the
    portal (its latest value, or one an open conflict reports); None when there is none to go
    back to (the number in force is the practice software's, or it never sent one)."""
    override = record.overrides.get("number")
    if override is None:
        return None
    conflict = (
        Conflict.objects.filter(
            record_type="customer_number",
            record_id=record.pk,
            field="number",
            resolved_at__isnull=True,
        )
        .order_by("-detected_at")
        .first()
    )
    source = conflict.source_value if conflict is not None else override.get("source")
    return source if source and source != record.number else None


@transaction.atomic
def reset_customer_number(record: CustomerNumber, actor: str) -> CustomerNumber:
    """Back to the practice software's number: the portal's override ends, so later syncs write
    the number again; an open conflict about it is settled in favour of the practice software."""
    record = CustomerNumber.objects.select_for_update().order_by().get(pk=record.pk)
    source = practice_software_number(record)
    if source is None:
        raise StateConflict("this customer number has no practice-software value to go back to")
    old = record.number
    record.number = source
    record.overrides = {k: v for k, v in record.overrides.items() if k != "number"}
    record.updated_at = timezone.now()
    record.save(update_fields=["number", "overrides", "updated_at"])
    Conflict.objects.filter(
        record_type="customer_number", record_id=record.pk, field="number", resolved_at__isnull=True
    ).update(
        resolved_at=timezone.now(),
        resolution=Conflict.Resolution.TAKE_SOURCE,
        resolved_by=actor[:150],
    )
    audit.record(
        record.company,
        actor,
        "customer_number.reset",
        object_type="customer_number",
        object_id=record.pk,
        changes={"number": [old, source]},
    )
    return record


@transaction.atomic
def delete_customer_number(record: CustomerNumber, actor: str) -> None:
    """A person deleted the number: it is no longer used for orders, and a later sync that still
    sends it does not bring it back (entering a number for the same partner and branch does)."""
    record = CustomerNumber.objects.select_for_update().order_by().get(pk=record.pk)
    record.is_active = False
    record.overrides = {**record.overrides, DELETED: {"source": True}}
    record.updated_at = timezone.now()
    record.save(update_fields=["is_active", "overrides", "updated_at"])
    Conflict.objects.filter(
        record_type="customer_number", record_id=record.pk, resolved_at__isnull=True
    ).update(
        resolved_at=timezone.now(),
        resolution=Conflict.Resolution.KEEP_DASHBOARD,
        resolved_by=actor[:150],
    )
    audit.record(
        record.company,
        actor,
        "customer_number.deleted",
        object_type="customer_number",
        object_id=record.pk,
        changes={
            "partner": record.partner.slug,
            "branch": record.branch.external_id if record.branch else None,
            "number": record.number,
        },
    )


@transaction.atomic
def resolve_conflict(conflict: Conflict, resolution: str, actor: str) -> None:
    conflict = Conflict.objects.select_for_update().order_by().get(pk=conflict.pk)
    if not conflict.is_open:
        return
    model = {v: k for k, v in RECORD_TYPES.items()}[conflict.record_type]
    record = model._default_manager.select_for_update().order_by().get(pk=conflict.record_id)
    overrides = dict(record.overrides)
    if resolution == Conflict.Resolution.TAKE_SOURCE:
        setattr(record, conflict.field, conflict.source_value)
        overrides.pop(conflict.field, None)
    elif resolution == Conflict.Resolution.KEEP_DASHBOARD:
        overrides[conflict.field] = {
            "source": conflict.source_value,
            "acknowledged": conflict.source_value,
        }
    else:
        raise ValueError(f"unknown resolution {resolution!r}")
    record.overrides = overrides
    record.updated_at = timezone.now()
    record.save()
    conflict.resolved_at, conflict.resolution, conflict.resolved_by = (
        timezone.now(),
        resolution,
        actor[:150],
    )
    conflict.save(update_fields=["resolved_at", "resolution", "resolved_by"])
    audit.record(
        record.company,
        actor,
        "conflict.resolved",
        object_type=conflict.record_type,
        object_id=conflict.record_key,
        changes={
            "field": conflict.field,
            "resolution": resolution,
            "dashboard": conflict.dashboard_value,
            "practice_software": conflict.source_value,
        },
    )
