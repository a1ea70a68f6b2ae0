"""What a logged-in person of a company may see and do (SPEC §3.11).

* **administrator** — everything: every branch, master data, logins, API tokens, webhooks;
* **branch staff** — orders, carts and customer numbers of *their* branches (the branches the
  practice software lists for their employee; the sync keeps them current), nothing else;
* **read-only** — sees what an administrator sees and changes nothing.

Views never decide this themselves: ``company_view`` puts an :class:`Access` on the request, and
the selectors take its ``branch_ids`` so that another branch's order or cart is a 404, exactly like
another company's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from orderhub.accounts.models import Account, Role


@dataclass(frozen=True)
class Access:
    role: str
    #: The branches (primary keys) this person works for; ``None`` means every branch.
    branch_ids: frozenset[int] | None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_write(self) -> bool:
        return self.role != Role.READ_ONLY

    @property
    def sees_all_branches(self) -> bool:
        return self.branch_ids is None

    def allows_branch(self, branch_id: int | None) -> bool:
        """May this person act for ``branch_id``? ``None`` (the company as a whole) only when they
        work for every branch."""
        if self.branch_ids is None:
            return True
        return branch_id is not None and branch_id in self.branch_ids

    def scope(self, qs: QuerySet, field: str = "branch", *, company_wide: bool = False) -> QuerySet:
        """``qs`` restricted to this person's branches; ``company_wide`` also keeps rows without a
        branch (a company-wide customer number, which branch staff may read but not change)."""
        if self.branch_ids is None:
            return qs
        condition = Q(**{f"{field}__in": self.branch_ids})
        if company_wide:
            condition |= Q(**{f"{field}__isnull": True})
        return qs.filter(condition)


def for_account(account: Account) -> Access:
    if account.role != Role.BRANCH_STAFF:
        return Access(role=account.role, branch_ids=None)
    employee = account.employee
    if employee is None:
        return Access(role=account.role, branch_ids=frozenset())
    ids: Iterable[int] = employee.branches.filter(is_active=True).values_list("pk", flat=True)
    return Access(role=account.role, branch_ids=frozenset(ids))


#: The API's view of a company: a company API token (the practice software) sees every branch.
EVERYTHING = Access(role=Role.ADMIN, branch_ids=None)
