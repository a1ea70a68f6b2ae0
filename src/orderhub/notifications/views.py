"""The notification pages: a login's own settings (under "Mein Zugang") and the company's
(administrators: language, branch addresses, employees without a login)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from orderhub.accounts import audit
from orderhub.accounts.decorators import ADMINS, actor, company_view
from orderhub.masterdata.models import Branch, Employee
from orderhub.notifications.forms import KINDS, CompanyForm, PreferenceForm
from orderhub.notifications.models import (
    BranchAddress,
    CompanySetting,
    EmployeeAllowance,
    Preference,
)


@company_view
def my_settings(request):
    preference = Preference.objects.filter(account=request.account).first() or Preference(
        account=request.account
    )
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        preference = form.save(commit=False)
        preference.updated_at = timezone.now()
        preference.save()
        audit.record(
            request.company,
            actor(request),
            "notifications.preferences_changed",
            object_type="login",
            object_id=request.user.pk,
            changes={k: form.cleaned_data[k] for k in [*KINDS, "language"]},
        )
        messages.success(request, _("Ihre Benachrichtigungen sind gespeichert."))
        return redirect("notification_settings")
    return render(request, "notifications/my_settings.html", {"form": form})


@company_view(roles=ADMINS)
def company_settings(request):
    company = request.company
    branches = Branch.objects.filter(company=company, is_active=True).order_by("name", "pk")
    employees = (
        Employee.objects.filter(company=company, is_active=True, account__isnull=True)
        .exclude(email="")
        .order_by("name", "pk")
    )
    setting = CompanySetting.objects.filter(company=company).first()
    addresses = {a.branch_id: a for a in BranchAddress.objects.filter(branch__in=branches)}
    allowed = set(
        EmployeeAllowance.objects.filter(employee__in=employees).values_list(
            "employee_id", flat=True
        )
    )
    initial = {"language": setting.language if setting else ""}
    initial.update({f"branch-{pk}": a.email for pk, a in addresses.items()})
    initial.update({f"employee-{pk}": True for pk in allowed})
    form = CompanyForm(
        request.POST or None, initial=initial, branches=branches, employees=employees
    )
    if request.method == "POST" and form.is_valid():
        who = actor(request)
        changes = _save_company(form, company, setting, addresses, allowed, who)
        if changes:
            audit.record(
                company,
                who,
                "notifications.company_changed",
                object_type="company",
                object_id=company.pk,
                changes=changes,
            )
        messages.success(request, _("Die Benachrichtigungen des Unternehmens sind gespeichert."))
        return redirect("notification_company")
    return render(request, "notifications/company_settings.html", {"form": form})


def _save_company(form, company, setting, addresses, allowed, who) -> dict:
    data, now, changes = form.cleaned_data, timezone.now(), {}
    with transaction.atomic():
        language = data.get("language") or ""
        if (setting.language if setting else "") != language:
            CompanySetting.objects.update_or_create(
                company=company,
                defaults={"language": language, "updated_at": now, "updated_by": who[:200]},
            )
            changes["language"] = language
        for branch in form.branches:
            email = (data.get(f"branch-{branch.pk}") or "").strip()
            current = addresses.get(branch.pk)
            if (current.email if current else "") == email:
                continue
            if email:
                BranchAddress.objects.update_or_create(
                    branch=branch,
                    defaults={"email": email, "updated_at": now, "updated_by": who[:200]},
                )
            else:
                BranchAddress.objects.filter(branch=branch).delete()
            changes[f"branch:{branch.external_id}"] = email
        for employee in form.employees:
            wanted = bool(data.get(f"employee-{employee.pk}"))
            if wanted == (employee.pk in allowed):
                continue
            if wanted:
                EmployeeAllowance.objects.create(employee=employee, allowed_by=who[:200])
            else:
                EmployeeAllowance.objects.filter(employee=employee).delete()
            changes[f"employee:{employee.external_id}"] = wanted
    return changes
