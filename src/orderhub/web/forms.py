from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.core.mail import EmailMessage
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from orderhub.accounts.logins import login_mail
from orderhub.accounts.models import Role
from orderhub.core.netguard import UnsafeURL, check_url
from orderhub.masterdata.models import Branch, CustomerNumber, Employee
from orderhub.masterdata.schemas import normalise_country
from orderhub.partners.models import Partner


class RegistrationForm(UserCreationForm):
    email = forms.EmailField(
        label=_("E-Mail-Adresse"), help_text=_("Eine Adresse, die die Filiale lesen kann.")
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


class BranchForm(forms.ModelForm):
    class Meta:
        model = Branch
        fields = ("name", "street", "postal_code", "city", "country")

    def clean_country(self):
        try:
            return normalise_country(self.cleaned_data["country"])
        except ValueError:
            raise forms.ValidationError(_("Zweistelliger Ländercode (A–Z), z. B. DE.")) from None


class EmployeeForm(forms.ModelForm):
    class Meta:
        model = Employee
        fields = ("name", "email", "phone", "is_admin")


class CustomerNumberForm(forms.ModelForm):
    class Meta:
        model = CustomerNumber
        fields = ("number",)


class NewCustomerNumberForm(forms.Form):
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.filter(is_active=True), label=_("Partnerfirma")
    )
    branch = forms.ModelChoiceField(
        queryset=Branch.objects.none(),
        required=False,
        label=_("Filiale"),
        empty_label=_("— alle Filialen —"),
    )
    number = forms.CharField(max_length=64, label=_("Kundennummer"))

    def __init__(self, *args, company, access=None, **kwargs):
        super().__init__(*args, **kwargs)
        branches = Branch.objects.filter(company=company, is_active=True)
        if access is not None and not access.sees_all_branches:
            # Branch staff add numbers for their own branches only, never company-wide ones.
            branches = access.scope(branches, "pk")
            self.fields["branch"].required = True
            self.fields["branch"].empty_label = None
        self.fields["branch"].queryset = branches


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Name"), initial="Schnittstelle")


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "Erhält bei jeder Statusänderung einer Bestellung ein signiertes JSON-Ereignis."
        ),
    )

    def clean_url(self):
        """Refuse addresses inside the portal's own network, after resolving the name."""
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except UnsafeURL:
            raise forms.ValidationError(_("Interne Adressen sind nicht erlaubt.")) from None
        return url


# --- Personal logins (SPEC §3.11) ------------------------------------------------------------------


class EmployeeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        branches = ", ".join(b.name for b in obj.branches.all())
        return f"{obj.name} <{obj.email}>" + (f" · {branches}" if branches else "")


class InviteForm(forms.Form):
    """Invite an employee synced from the practice software; only those with an e-mail address and
    without a login are offered."""

    employee = EmployeeChoiceField(
        queryset=Employee.objects.none(),
        label=_("Mitarbeiter aus der Branchensoftware"),
        empty_label=None,
    )
    role = forms.ChoiceField(choices=Role.choices, label=_("Rolle"), initial=Role.BRANCH_STAFF)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = (
            Employee.objects.filter(company=company, is_active=True, account__isnull=True)
            .exclude(email="")
            .prefetch_related("branches")
            .order_by("name", "pk")
        )


class LoginChangeForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label=_("Rolle"))
    active = forms.BooleanField(required=False, label=_("Zugang aktiv"))


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code aus der Authenticator-App"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError(_("Der Code besteht nur aus Ziffern."))
        return code


class BilingualPasswordResetForm(PasswordResetForm):
    """Django's password reset, with the mail in German and English and the portal's own base URL.

    An invited person who lost the invitation can use it too (their login has no password yet)."""

    def get_users(self, email):
        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        return (u for u in users if u.email and u.email.lower() == email.lower())

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject, body = login_mail(
            gettext_noop("OrderHub: Passwort zurücksetzen"),
            email_template_name,
            context,
        )
        EmailMessage(subject, body, from_email, [to_email]).send()
