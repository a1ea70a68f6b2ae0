from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orderhub.notifications.models import Kind, Language, Preference

KINDS = [k.value for k in Kind]


class PreferenceForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=_("Sprache der E-Mails"),
        required=False,
        choices=[
            ("", _("wie für das Unternehmen eingestellt")),
            (Language.DE.value, Language.DE.label),
            (Language.EN.value, Language.EN.label),
        ],
    )

    class Meta:
        model = Preference
        fields = [*KINDS, "language"]


class CompanyForm(forms.Form):
    """The company's language, each branch's address, and mail to employees without a login."""

    language = forms.ChoiceField(
        label=_("Sprache der E-Mails"), required=False, choices=Language.choices
    )

    def __init__(self, *args, branches, employees, **kwargs):
        super().__init__(*args, **kwargs)
        self.branches, self.employees = list(branches), list(employees)
        for branch in self.branches:
            self.fields[f"branch-{branch.pk}"] = forms.EmailField(
                label=branch.name, required=False, max_length=254
            )
        for employee in self.employees:
            self.fields[f"employee-{employee.pk}"] = forms.BooleanField(
                label=f"{employee.name} ({employee.email})", required=False
            )

    def branch_fields(self):
        return [self[f"branch-{b.pk}"] for b in self.branches]

    def employee_fields(self):
        return [self[f"employee-{e.pk}"] for e in self.employees]
