"""Customer numbers in the dashboard (SPEC §3.7): list, add, delete, back to the practice
software's value. Adding one where one exists, deleting and resetting ask first; read-only logins
see no buttons and are refused (403); branch staff change their branches' numbers only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from orderhub.accounts.decorators import actor, company_view
from orderhub.masterdata import services as masterdata
from orderhub.masterdata.models import Conflict, CustomerNumber
from orderhub.web import forms


def _scope_label(record_branch) -> str:
    if record_branch is None:
        return _("für alle Filialen")
    return _("für Filiale %(branch)s") % {"branch": record_branch.name}


def _open_conflicts(company, records):
    by_record: dict[int, list] = {}
    for c in Conflict.objects.filter(
        company=company,
        record_type="customer_number",
        resolved_at__isnull=True,
        record_id__in=[r.pk for r in records],
    ):
        by_record.setdefault(c.record_id, []).append(c)
    for r in records:
        r.open_conflicts = by_record.get(r.pk, [])


@company_view
def customer_numbers(request):
    qs = request.access.scope(
        CustomerNumber.objects.filter(company=request.company, is_active=True).select_related(
            "partner", "branch"
        ),
        company_wide=True,
    )
    new_form = forms.NewCustomerNumberForm(
        request.POST or None, company=request.company, access=request.access
    )
    if request.method == "POST" and new_form.is_valid():
        partner, branch = new_form.cleaned_data["partner"], new_form.cleaned_data["branch"]
        number = new_form.cleaned_data["number"].strip()
        existing = CustomerNumber.objects.filter(
            company=request.company, partner=partner, branch=branch, is_active=True
        ).first()
        if existing is not None and existing.number == number:
            messages.info(request, _("Diese Kundennummer ist bereits hinterlegt."))
            return redirect("customer_numbers")
        if existing is not None and request.POST.get("confirm") != "1":
            return render(
                request,
                "web/customer_number_confirm.html",
                {
                    "title": _("Kundennummer ersetzen?"),
                    "sentence": _(
                        "Für %(partner)s (%(scope)s) ist bereits die Kundennummer „%(old)s“ "
                        "hinterlegt. Sie wird durch „%(new)s“ ersetzt."
                    )
                    % {
                        "partner": partner.name,
                        "scope": _scope_label(branch),
                        "old": existing.number,
                        "new": number,
                    },
                    "action": request.path,
                    "fields": {
                        "partner": partner.pk,
                        "branch": branch.pk if branch else "",
                        "number": number,
                    },
                    "button": _("Ja, ersetzen"),
                },
            )
        masterdata.create_customer_number(request.company, partner, branch, number, actor(request))
        messages.success(request, _("Kundennummer gespeichert."))
        return redirect("customer_numbers")
    records = list(qs)
    _open_conflicts(request.company, records)
    for r in records:
        r.can_change = request.access.can_write and request.access.allows_branch(r.branch_id)
        r.source_number = masterdata.practice_software_number(r) if r.overrides else None
    return render(
        request,
        "web/customer_numbers.html",
        {"records": records, "new_form": new_form, "can_write": request.access.can_write},
    )


def _changeable(request, pk) -> CustomerNumber:
    """An active number this login may change: another branch's is a 404 (as another company's),
    a company-wide one is a 403 for branch staff, and everything is a 403 for read-only logins."""
    if not request.access.can_write:
        raise PermissionDenied("a read-only login changes nothing")
    record = get_object_or_404(
        request.access.scope(
            CustomerNumber.objects.select_related("partner", "branch"), company_wide=True
        ),
        pk=pk,
        company=request.company,
        is_active=True,
    )
    if not request.access.allows_branch(record.branch_id):
        raise PermissionDenied("a company-wide customer number is for administrators")
    return record


@company_view
def customer_number_delete(request, pk):
    record = _changeable(request, pk)
    if request.method != "POST" or request.POST.get("confirm") != "1":
        return render(
            request,
            "web/customer_number_confirm.html",
            {
                "title": _("Kundennummer löschen?"),
                "sentence": _(
                    "Die Kundennummer „%(number)s“ für %(partner)s (%(scope)s) wird gelöscht und für "
                    "neue Bestellungen nicht mehr verwendet; ein späterer Abgleich mit der "
                    "Branchensoftware bringt sie nicht zurück."
                )
                % {
                    "number": record.number,
                    "partner": record.partner.name,
                    "scope": _scope_label(record.branch),
                },
                "action": request.path,
                "fields": {},
                "button": _("Ja, löschen"),
            },
        )
    masterdata.delete_customer_number(record, actor(request))
    messages.success(request, _("Kundennummer „%(number)s“ gelöscht.") % {"number": record.number})
    return redirect("customer_numbers")


@company_view
def customer_number_reset(request, pk):
    record = _changeable(request, pk)
    source = masterdata.practice_software_number(record)
    if source is None:
        messages.info(
            request,
            _("Für diese Kundennummer gibt es keinen anderen Wert aus der Branchensoftware."),
        )
        return redirect("customer_numbers")
    if request.method != "POST" or request.POST.get("confirm") != "1":
        return render(
            request,
            "web/customer_number_confirm.html",
            {
                "title": _("Auf den Wert der Branchensoftware zurücksetzen?"),
                "sentence": _(
                    "Die im Portal gesetzte Kundennummer „%(old)s“ für %(partner)s (%(scope)s) "
                    "wird durch „%(new)s“ aus der Branchensoftware ersetzt. Spätere Abgleiche "
                    "übernehmen wieder den Wert der Branchensoftware."
                )
                % {
                    "old": record.number,
                    "new": source,
                    "partner": record.partner.name,
                    "scope": _scope_label(record.branch),
                },
                "action": request.path,
                "fields": {},
                "button": _("Ja, zurücksetzen"),
            },
        )
    masterdata.reset_customer_number(record, actor(request))
    messages.success(
        request,
        _("Kundennummer auf „%(number)s“ aus der Branchensoftware zurückgesetzt.")
        % {"number": source},
    )
    return redirect("customer_numbers")
