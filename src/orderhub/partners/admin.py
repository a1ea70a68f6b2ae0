import json

from django import forms
from django.contrib import admin

from orderhub.core.netguard import UnsafeURL, check_url
from orderhub.partners.models import Partner, PartnerToken


class PartnerForm(forms.ModelForm):
    credentials = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text='JSON, e.g. {"username": "…", "password": "…"}, {"token": "…"}, '
        '{"secret": "…"} or (SFTP) {"private_key": "-----BEGIN OPENSSH '
        'PRIVATE KEY-----…", "passphrase": "…"}; stored encrypted. Leave '
        "empty to keep the current value.",
    )

    class Meta:
        model = Partner
        exclude = ["credentials_encrypted"]

    def clean_credentials(self):
        raw = self.cleaned_data["credentials"].strip()
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError("not valid JSON") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("a JSON object is expected")
        return value

    def clean_channel_config(self):
        """A partner URL must be public, like a webhook's (orderhub.core.netguard, SSRF)."""
        config = self.cleaned_data.get("channel_config") or {}
        url = config.get("url") if isinstance(config, dict) else None
        if url:
            try:
                check_url(str(url))
            except UnsafeURL as exc:
                raise forms.ValidationError(f"url: {exc}") from None
        return config

    def save(self, commit=True):
        partner = super().save(commit=False)
        if self.cleaned_data.get("credentials") is not None:
            partner.credentials = self.cleaned_data["credentials"]
        if commit:
            partner.save()
        return partner


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerForm
    list_display = ["name", "slug", "channel", "requires_customer_number", "is_active"]
    list_filter = ["channel", "is_active"]
    search_fields = ["name", "slug"]


@admin.register(PartnerToken)
class PartnerTokenAdmin(admin.ModelAdmin):
    list_display = ["partner", "name", "hint", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["digest", "hint", "created_at", "last_used_at"]
