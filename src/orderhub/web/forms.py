from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from orderhub.masterdata.models import Branch, CustomerNumber, Employee
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
        from orderhub.masterdata.schemas import normalise_country

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

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.filter(company=company, is_active=True)


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
        from orderhub.core.netguard import UnsafeURL, check_url

        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except UnsafeURL:
            raise forms.ValidationError(_("Interne Adressen sind nicht erlaubt.")) from None
        return url
