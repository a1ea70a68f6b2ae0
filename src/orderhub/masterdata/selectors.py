"""Reading master data in force (dashboard edits included)."""

from __future__ import annotations

from collections import defaultdict

from orderhub.accounts.models import Company
from orderhub.masterdata.models import Branch, Conflict, CustomerNumber, Employee, EmployeeBranch


def conflict_dict(c: Conflict) -> dict:
    return {
        "id": c.pk,
        "record_type": c.record_type,
        "record_id": c.record_key,
        "field": c.field,
        "dashboard_value": c.dashboard_value,
        "source_value": c.source_value,
        "detected_at": c.detected_at.isoformat(),
    }


def snapshot_in_force(company: Company) -> dict:
    branches = list(Branch.objects.filter(company=company, is_active=True).order_by("external_id"))
    by_pk = {b.pk: b.external_id for b in branches}
    memberships = defaultdict(list)
    for emp_id, branch_id in EmployeeBranch.objects.filter(employee__company=company).values_list(
        "employee_id", "branch_id"
    ):
        if branch_id in by_pk:
            memberships[emp_id].append(by_pk[branch_id])
    users = Employee.objects.filter(company=company, is_active=True).order_by("external_id")
    numbers = (
        CustomerNumber.objects.filter(company=company, is_active=True)
        .select_related("partner", "branch")
        .order_by("partner__slug", "branch__external_id")
    )
    return {
        "company": {"name": company.name},
        "branches": [
            {
                "id": b.external_id,
                "name": b.name,
                "street": b.street,
                "postal_code": b.postal_code,
                "city": b.city,
                "country": b.country,
            }
            for b in branches
        ],
        "users": [
            {
                "id": u.external_id,
                "name": u.name,
                "email": u.email or None,
                "phone": u.phone or None,
                "branch_ids": sorted(memberships.get(u.pk, [])),
                "is_admin": u.is_admin,
            }
            for u in users
        ],
        "customer_numbers": [
            {
                "partner": c.partner.slug,
                "customer_number": c.number,
                "branch_id": c.branch.external_id if c.branch else None,
            }
            for c in numbers
        ],
        "conflicts": [
            conflict_dict(c)
            for c in Conflict.objects.filter(company=company, resolved_at__isnull=True)
        ],
    }
