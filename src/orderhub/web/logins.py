"""Personal logins (SPEC §3.11): the administrators' page of logins and invitations, accepting an
invitation, password reset, one's own account, and the TOTP second factor for administrators."""

from __future__ import annotations

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from orderhub.accounts import audit, logins
from orderhub.accounts.decorators import ADMINS, actor, company_view
from orderhub.accounts.models import Account, Role
from orderhub.core.problems import Problem
from orderhub.web import forms

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def base_url(request) -> str:
    return settings.BASE_URL or request.build_absolute_uri("/").rstrip("/")


@company_view(roles=ADMINS)
def login_list(request):
    form = forms.InviteForm(request.POST or None, company=request.company)
    if request.method == "POST" and form.is_valid():
        employee = form.cleaned_data["employee"]
        try:
            _account, sent = logins.invite(
                request.company,
                employee,
                form.cleaned_data["role"],
                by=request.account,
                base_url=base_url(request),
            )
        except Problem as exc:
            form.add_error(None, exc.detail)
        else:
            if sent:
                messages.success(
                    request,
                    _("Einladung an %(email)s gesendet.") % {"email": employee.email},
                )
            else:
                messages.error(
                    request,
                    _(
                        "Zugang angelegt, aber die E-Mail an %(email)s konnte nicht gesendet "
                        "werden. Bitte senden Sie die Einladung später erneut."
                    )
                    % {"email": employee.email},
                )
            return redirect("logins")
    accounts = (
        Account.objects.filter(company=request.company)
        .select_related("user", "employee")
        .prefetch_related("employee__branches")
        .order_by("user__username")
    )
    return render(
        request, "web/logins.html", {"accounts": accounts, "form": form, "roles": Role.choices}
    )


@company_view(roles=ADMINS)
@require_POST
def login_change(request, pk):
    account = get_object_or_404(Account, pk=pk, company=request.company)
    try:
        if request.POST.get("resend") == "1":
            if logins.resend_invitation(account, actor(request), base_url(request)):
                messages.success(
                    request, _("Einladung an %(email)s gesendet.") % {"email": account.user.email}
                )
            else:
                messages.error(request, _("Die E-Mail konnte nicht gesendet werden."))
        else:
            form = forms.LoginChangeForm(request.POST)
            if form.is_valid() and logins.change(
                account,
                request.account,
                role=form.cleaned_data["role"],
                active=form.cleaned_data["active"],
            ):
                messages.success(request, _("Zugang geändert."))
    except Problem as exc:
        messages.error(request, exc.detail)
    return redirect("logins")


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The link of an invitation: the person chooses a password and is logged in."""

    template_name = "web/invitation_accept.html"
    post_reset_login = True
    post_reset_login_backend = MODEL_BACKEND
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form):
        response = super().form_valid(form)
        account = getattr(self.user, "account", None)
        if account is not None:
            audit.record(
                account.company,
                audit.actor_for_user(self.user),
                "login.password_set",
                object_type="login",
                object_id=self.user.pk,
            )
        messages.success(self.request, _("Passwort gespeichert. Willkommen bei OrderHub."))
        return response

    def get_user(self, uidb64):
        # A blocked login's invitation no longer works (its user cannot log in anyway).
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def get_success_url(self):
        # A supplier clerk invited by the operator lands in the supplier portal.
        if getattr(self.user, "partner_account", None) is not None:
            return reverse("supplier_orders")
        return super().get_success_url()


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.BilingualPasswordResetForm
    template_name = "web/password_reset.html"
    email_template_name = "accounts/password_reset_mail.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {"base_url": base_url(self.request)}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        account = getattr(self.user, "account", None)
        if account is not None:
            audit.record(
                account.company,
                audit.actor_for_user(self.user),
                "login.password_reset",
                object_type="login",
                object_id=self.user.pk,
            )
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/password_change.html"
    success_url = reverse_lazy("my_account")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(
            self.request.company,
            actor(self.request),
            "login.password_changed",
            object_type="login",
            object_id=self.request.user.pk,
        )
        messages.success(self.request, _("Passwort geändert."))
        return response


@company_view
def my_account(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    return render(
        request,
        "web/my_account.html",
        {"account": request.account, "second_factor": device, "form": forms.OneTimeCodeForm()},
    )


def _qr_svg(url: str) -> str:
    svg = segno.make(url, error="m").svg_inline(scale=4, dark="#111", light="#fff")
    return mark_safe(svg)  # segno's own markup around the key URL: nothing a person typed


@company_view(roles=ADMINS)
def second_factor_setup(request):
    """Add a TOTP device: shown as a QR code and as a key to type; active once a code checks."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("my_account")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="OrderHub", confirmed=False)
    form = forms.OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            django_otp.login(request, device)
            audit.record(
                request.company,
                actor(request),
                "login.second_factor_enabled",
                object_type="login",
                object_id=request.user.pk,
            )
            messages.success(
                request,
                _("Zwei-Faktor-Anmeldung eingerichtet. Ab jetzt fragt OrderHub nach einem Code."),
            )
            return redirect("my_account")
        form.add_error("code", _("Der Code stimmt nicht. Bitte den aktuellen Code eingeben."))
    key = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return render(
        request,
        "web/second_factor_setup.html",
        {
            "form": form,
            "qr": _qr_svg(device.config_url),
            "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
        },
    )


@company_view
@require_POST
def second_factor_disable(request):
    """Turning the second factor off takes a current code, not just the open session."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    form = forms.OneTimeCodeForm(request.POST)
    if device is None:
        return redirect("my_account")
    if form.is_valid() and device.verify_token(form.cleaned_data["code"]):
        TOTPDevice.objects.filter(user=request.user).delete()
        audit.record(
            request.company,
            actor(request),
            "login.second_factor_disabled",
            object_type="login",
            object_id=request.user.pk,
        )
        messages.success(request, _("Zwei-Faktor-Anmeldung ausgeschaltet."))
    else:
        messages.error(request, _("Der Code stimmt nicht. Bitte den aktuellen Code eingeben."))
    return redirect("my_account")


@login_required
def second_factor(request):
    """The second step of a login with a TOTP device (django-otp throttles wrong codes)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse_lazy("dashboard")
    if request.user.is_verified():
        return redirect(target)
    form = forms.OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
            allowed, _details = device.verify_is_allowed()
            if not allowed:
                form.add_error(
                    "code",
                    _(
                        "Zu viele falsche Codes. Bitte warten Sie einen Moment und versuchen es erneut."
                    ),
                )
                break
            if device.verify_token(form.cleaned_data["code"]):
                django_otp.login(request, device)
                return redirect(target)
        else:
            form.add_error("code", _("Der Code stimmt nicht. Bitte den aktuellen Code eingeben."))
    return render(request, "web/second_factor.html", {"form": form, "next": target})
