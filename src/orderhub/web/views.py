"""Web pages: registration, login, dashboard (SPEC §3.1, §3.7). Views translate HTTP to services."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orderhub.accounts import audit
from orderhub.accounts.decorators import ADMINS, COMPANY_READERS, actor, company_view
from orderhub.accounts.models import ApiToken, AuditEvent, Registration
from orderhub.catalog import mappings as catalog_mappings
from orderhub.catalog.models import ArticleMapping
from orderhub.core.problems import Problem
from orderhub.delivery.models import CompanyWebhook
from orderhub.masterdata import registration as registrations
from orderhub.masterdata import services as masterdata
from orderhub.masterdata.models import Branch, Conflict, CustomerNumber, Employee
from orderhub.partners.models import Partner
from orderhub.web import extras, forms, sentences


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "web/home.html", {"partners": Partner.objects.filter(is_active=True)})


def partner_list(request):
    return render(
        request, "web/partners.html", {"partners": Partner.objects.filter(is_active=True)}
    )


def registration(request, registration_id):
    reg = get_object_or_404(Registration, pk=registration_id)
    if reg.status != Registration.Status.PENDING:
        return render(request, "web/registration_done.html", {"registration": reg}, status=410)
    if reg.is_expired:
        return render(request, "web/registration_expired.html", {"registration": reg}, status=410)
    form = forms.RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _company, user = registrations.complete_registration(
                reg,
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        except Problem as exc:
            form.add_error(None, exc.detail)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _(
                    "Registrierung abgeschlossen. Die Schnittstelle erhält jetzt ihren Zugang; "
                    "Sie können zur Branchensoftware zurückkehren."
                ),
            )
            return redirect("dashboard")
    return render(
        request,
        "web/registration.html",
        {
            "registration": reg,
            "form": form,
            "company_name": reg.snapshot["company"]["name"],
            "branches": reg.snapshot["branches"],
        },
    )


@company_view
def dashboard(request):
    c = request.company
    whole_company = request.account.role in COMPANY_READERS
    numbers = CustomerNumber.objects.filter(company=c, is_active=True)
    context = {
        "whole_company": whole_company,
        "branch_count": Branch.objects.filter(company=c, is_active=True).count(),
        "user_count": Employee.objects.filter(company=c, is_active=True).count(),
        "number_count": request.access.scope(numbers, company_wide=True).count(),
        "conflicts": Conflict.objects.filter(company=c, resolved_at__isnull=True)[:20]
        if whole_company
        else [],
        "recent_events": AuditEvent.objects.filter(company=c)[:8] if whole_company else [],
    }
    context.update(_dashboard_extras(request))
    return render(request, "web/dashboard.html", context)


def _dashboard_extras(request) -> dict:
    """Hook for the ordering and delivery apps (open carts, failed deliveries)."""
    return extras.dashboard_context(request.company, request.access)


def _open_conflicts(company, record_type, records):
    by_record = {}
    for c in Conflict.objects.filter(
        company=company,
        record_type=record_type,
        resolved_at__isnull=True,
        record_id__in=[r.pk for r in records],
    ):
        by_record.setdefault(c.record_id, []).append(c)
    for r in records:
        r.open_conflicts = by_record.get(r.pk, [])
    return records


@company_view(roles=COMPANY_READERS)
def branches(request):
    show_inactive = request.GET.get("inaktiv") == "1"
    qs = (
        Branch.objects.filter(company=request.company)
        .order_by("name", "pk")
        .annotate(user_count=Count("employees", filter=Q(employees__is_active=True)))
    )
    if not show_inactive:
        qs = qs.filter(is_active=True)
    page = Paginator(qs, 50).get_page(request.GET.get("seite"))
    _open_conflicts(request.company, "branch", page.object_list)
    return render(request, "web/branches.html", {"page": page, "show_inactive": show_inactive})


def _edit(request, model, form_class, pk, template, back, queryset=None):
    record = get_object_or_404(
        queryset if queryset is not None else model.objects, pk=pk, company=request.company
    )
    form = form_class(request.POST or None, instance=model.objects.get(pk=record.pk))
    if request.method == "POST" and form.is_valid():
        changes = masterdata.edit_in_dashboard(record, form.cleaned_data, actor(request))
        if changes:
            messages.success(
                request, _("Gespeichert. Diese Änderung bleibt bei späteren Abgleichen erhalten.")
            )
        return redirect(back)
    conflicts = Conflict.objects.filter(
        company=request.company,
        record_id=record.pk,
        record_type=masterdata.RECORD_TYPES[model],
        resolved_at__isnull=True,
    )
    return render(
        request,
        template,
        {
            "record": record,
            "form": form,
            "conflicts": conflicts,
            "overridden": [
                sentences.field_label(masterdata.RECORD_TYPES[model], name)
                for name in sorted(record.overrides)
            ],
        },
    )


@company_view(roles=COMPANY_READERS)
def branch_edit(request, pk):
    return _edit(request, Branch, forms.BranchForm, pk, "web/branch_edit.html", "branches")


@company_view(roles=COMPANY_READERS)
def users(request):
    qs = (
        Employee.objects.filter(company=request.company, is_active=True)
        .select_related("account__user")
        .prefetch_related("branches")
    )
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(external_id=q))
    page = Paginator(qs, 50).get_page(request.GET.get("seite"))
    _open_conflicts(request.company, "user", page.object_list)
    return render(request, "web/users.html", {"page": page, "q": q})


@company_view(roles=COMPANY_READERS)
def user_edit(request, pk):
    return _edit(request, Employee, forms.EmployeeForm, pk, "web/user_edit.html", "users")


@company_view
def customer_number_edit(request, pk):
    """Branch staff edit their branches' numbers; another branch's is a 404, and a company-wide one
    (which they can read) is a 403."""
    if not request.access.sees_all_branches:
        number = get_object_or_404(
            request.access.scope(CustomerNumber.objects, company_wide=True),
            pk=pk,
            company=request.company,
        )
        if number.branch_id is None:
            raise PermissionDenied("a company-wide customer number is for administrators")
    return _edit(
        request,
        CustomerNumber,
        forms.CustomerNumberForm,
        pk,
        "web/customer_number_edit.html",
        "customer_numbers",
        queryset=request.access.scope(CustomerNumber.objects, company_wide=True),
    )


@company_view(roles=COMPANY_READERS)
def conflicts(request):
    qs = Conflict.objects.filter(company=request.company, resolved_at__isnull=True)
    return render(request, "web/conflicts.html", {"conflicts": qs})


@company_view(roles=COMPANY_READERS)
@require_POST
def conflict_resolve(request, pk):
    conflict = get_object_or_404(Conflict, pk=pk, company=request.company)
    resolution = request.POST.get("resolution")
    if resolution not in Conflict.Resolution.values:
        return HttpResponse(status=400)
    masterdata.resolve_conflict(conflict, resolution, actor(request))
    if request.headers.get("HX-Request"):
        conflict.refresh_from_db()
        return render(request, "web/_conflict_resolved.html", {"conflict": conflict})
    messages.success(request, _("Konflikt gelöst."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "conflicts"
    return redirect(target)


@company_view(roles=ADMINS)
def api_tokens(request):
    form = forms.ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        row, new_token = ApiToken.issue(
            company=request.company,
            name=form.cleaned_data["name"],
            created_by=request.user.get_username(),
        )
        audit.record(
            request.company,
            actor(request),
            "api_token.issued",
            object_type="api_token",
            object_id=row.pk,
            changes={"name": row.name},
        )
        form = forms.ApiTokenForm()
    tokens = ApiToken.objects.filter(company=request.company)
    return render(
        request, "web/api_tokens.html", {"tokens": tokens, "form": form, "new_token": new_token}
    )


@company_view(roles=ADMINS)
def api_token_revoke(request, pk):
    """Asks first (GET, or a POST without ``confirm``): a revoked token stops the practice software
    that uses it at once."""
    token = get_object_or_404(ApiToken, pk=pk, company=request.company)
    if request.method != "POST" or request.POST.get("confirm") != "1":
        if token.is_revoked:
            return redirect("api_tokens")
        return render(request, "web/api_token_revoke.html", {"token": token})
    if not token.is_revoked:
        token.revoke()
        audit.record(
            request.company,
            actor(request),
            "api_token.revoked",
            object_type="api_token",
            object_id=token.pk,
            changes={"name": token.name},
        )
        messages.success(request, _("Token widerrufen."))
    return redirect("api_tokens")


@company_view(roles=COMPANY_READERS)
def audit_trail(request):
    page = Paginator(AuditEvent.objects.filter(company=request.company), 50).get_page(
        request.GET.get("seite")
    )
    return render(request, "web/audit.html", {"page": page})


@company_view(roles=ADMINS)
def webhooks(request):
    """Signed webhooks the company registers to hear about order changes (in addition to polling)."""
    form = forms.WebhookForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and request.POST.get("deactivate"):
        hook = get_object_or_404(
            CompanyWebhook, pk=request.POST["deactivate"], company=request.company
        )
        hook.is_active = False
        hook.save(update_fields=["is_active"])
        audit.record(
            request.company,
            actor(request),
            "webhook.deactivated",
            object_type="webhook",
            object_id=hook.pk,
            changes={"url": hook.url},
        )
        return redirect("webhooks")
    if request.method == "POST" and form.is_valid():
        new_secret = secrets.token_urlsafe(32)
        hook = CompanyWebhook.objects.create(
            company=request.company, url=form.cleaned_data["url"], secret=new_secret
        )
        audit.record(
            request.company,
            actor(request),
            "webhook.created",
            object_type="webhook",
            object_id=hook.pk,
            changes={"url": hook.url},
        )
        form = forms.WebhookForm()
    hooks = CompanyWebhook.objects.filter(company=request.company).order_by("-created_at")
    return render(
        request, "web/webhooks.html", {"hooks": hooks, "form": form, "new_secret": new_secret}
    )


@company_view(roles=COMPANY_READERS)
def article_mappings(request):
    qs = (
        ArticleMapping.objects.filter(company=request.company)
        .select_related("partner", "article")
        .order_by("partner__name", "line_label", "pk")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("seite"))
    return render(request, "web/article_mappings.html", {"page": page})


@company_view(roles=COMPANY_READERS)
@require_POST
def article_mapping_delete(request, pk):
    mapping = get_object_or_404(ArticleMapping, pk=pk, company=request.company)
    catalog_mappings.forget(mapping, actor(request))
    messages.success(
        request,
        _(
            "Zuordnung gelöscht. Die nächste Bestellung dieser Position öffnet wieder "
            "einen Warenkorb."
        ),
    )
    return redirect("article_mappings")
