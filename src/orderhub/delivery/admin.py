"""Operator views (Django admin): dead-lettered deliveries, company-webhook events and goods-receipt
acknowledgements with a manual retry, order changes on their way, their attempts, documents; the
supplier portal's logins (invite, block, invite again)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages

from orderhub.core.problems import Problem
from orderhub.delivery import company_webhooks, partner_logins, receipt_deliveries
from orderhub.delivery.models import (
    ChangeAttempt,
    ChangeDelivery,
    CompanyWebhook,
    Delivery,
    DeliveryAttempt,
    Document,
    PartnerAccount,
    ReceiptAttempt,
    ReceiptDelivery,
    WebhookAttempt,
    WebhookDelivery,
)
from orderhub.delivery.outbox import retry_dead


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = [
        "number",
        "started_at",
        "finished_at",
        "channel",
        "outcome",
        "status_code",
        "detail",
        "response_excerpt",
        "worker_id",
    ]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "order",
        "partner",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "channel", "partner"]
    search_fields = ["order__number", "order__external_order_id"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["retry"]

    @admin.action(description="Zustellung erneut versuchen (nur aufgegebene)")
    def retry(self, request, queryset):
        n = 0
        for delivery in queryset.filter(status=Delivery.Status.DEAD):
            retry_dead(delivery, f"Betreiber {request.user.get_username()}")
            n += 1
        self.message_user(request, f"{n} Zustellung(en) neu eingeplant.", messages.SUCCESS)


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["order", "partner", "direction", "kind", "format", "size", "created_at"]
    list_filter = ["direction", "kind", "format", "partner"]
    search_fields = ["order__number", "partner_document_id"]
    exclude = ["content"]
    readonly_fields = [
        "order",
        "partner",
        "direction",
        "kind",
        "format",
        "content_type",
        "filename",
        "size",
        "partner_document_id",
        "applied",
        "created_at",
    ]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = [
        "number",
        "started_at",
        "finished_at",
        "outcome",
        "status_code",
        "detail",
        "response_excerpt",
        "worker_id",
    ]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "order",
        "hook",
        "event_id",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status"]
    search_fields = ["order__number", "order__external_order_id", "hook__url"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [WebhookAttemptInline]
    actions = ["retry"]

    @admin.action(description="Webhook erneut senden (nur aufgegebene)")
    def retry(self, request, queryset):
        n = 0
        for row in queryset.filter(status=WebhookDelivery.Status.DEAD):
            company_webhooks.retry_dead(row, f"Betreiber {request.user.get_username()}")
            n += 1
        self.message_user(request, f"{n} Webhook-Zustellung(en) neu eingeplant.", messages.SUCCESS)


class ChangeAttemptInline(WebhookAttemptInline):
    model = ChangeAttempt  # type: ignore[assignment]


@admin.register(ChangeDelivery)
class ChangeDeliveryAdmin(admin.ModelAdmin):
    """Order changes on their way to the partner, with their attempts. No manual retry: a
    dead-lettered change is ``failed`` and the practice sees it in the timeline; it asks again (a new
    change with its own sequence number) rather than having a stale one revived."""

    list_display = ["change", "order", "partner", "channel", "status", "attempts", "last_error"]
    list_filter = ["status", "channel", "partner"]
    search_fields = ["order__number", "order__external_order_id"]
    readonly_fields = [f.name for f in ChangeDelivery._meta.fields]
    inlines = [ChangeAttemptInline]


class ReceiptAttemptInline(WebhookAttemptInline):
    model = ReceiptAttempt  # type: ignore[assignment]


@admin.register(ReceiptDelivery)
class ReceiptDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "receipt",
        "partner",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "channel", "partner"]
    search_fields = ["receipt__number", "order__number", "order__external_order_id"]
    readonly_fields = [f.name for f in ReceiptDelivery._meta.fields]
    inlines = [ReceiptAttemptInline]
    actions = ["retry"]

    @admin.action(description="Wareneingangsbestätigung erneut senden (nur aufgegebene)")
    def retry(self, request, queryset):
        n = sum(
            receipt_deliveries.retry_dead(row)
            for row in queryset.filter(status=ReceiptDelivery.Status.DEAD)
        )
        self.message_user(
            request, f"{n} Wareneingangsbestätigung(en) neu eingeplant.", messages.SUCCESS
        )


class PartnerInviteForm(forms.ModelForm):
    """Adding a supplier login is inviting a clerk: partner, e-mail address, name."""

    email = forms.EmailField(label="E-Mail-Adresse")

    class Meta:
        model = PartnerAccount
        fields = ["partner", "email", "name"]

    def clean_email(self):
        try:
            email = partner_logins.normalise_email(self.cleaned_data["email"])
            partner_logins.check_free(email)
        except Problem as exc:
            raise forms.ValidationError(exc.detail) from None
        return email


def _operator(request) -> str:
    return f"Betreiber {request.user.get_username()}"


def _base_url(request) -> str:
    return settings.BASE_URL or request.build_absolute_uri("/").rstrip("/")


@admin.register(PartnerAccount)
class PartnerAccountAdmin(admin.ModelAdmin):
    """A partner's logins: "Hinzufügen" invites a clerk by e-mail; actions block, unblock and send
    the invitation again."""

    list_display = ["login", "name", "partner", "state", "invited_by", "invited_at", "last_login"]
    list_filter = ["partner", "user__is_active"]
    search_fields = ["user__username", "user__email", "name", "partner__name", "partner__slug"]
    list_select_related = ["user", "partner"]
    ordering = ["partner__name", "user__username"]
    readonly_fields = ["user", "partner", "state", "invited_by", "invited_at", "last_login"]
    fields = ["user", "partner", "name", "state", "invited_by", "invited_at", "last_login"]
    actions = ["block", "unblock", "resend"]

    @admin.display(description="Login", ordering="user__username")
    def login(self, obj):
        return obj.user.get_username()

    @admin.display(description="Zustand")
    def state(self, obj):
        if not obj.user.is_active:
            return "gesperrt"
        return "aktiv" if obj.has_password else "eingeladen"

    @admin.display(description="zuletzt angemeldet", ordering="user__last_login")
    def last_login(self, obj):
        return obj.user.last_login

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = PartnerInviteForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["partner", "email", "name"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        account, sent = partner_logins.invite(
            form.cleaned_data["partner"],
            form.cleaned_data["email"],
            name=form.cleaned_data.get("name", ""),
            by=_operator(request),
            base_url=_base_url(request),
        )
        obj.pk, obj.user = account.pk, account.user
        obj.invited_by, obj.invited_at = account.invited_by, account.invited_at
        obj._state.adding = False
        if sent:
            self.message_user(request, f"Einladung an {account.user.email} gesendet.")
        else:
            self.message_user(
                request,
                f"Zugang angelegt, aber die E-Mail an {account.user.email} konnte nicht gesendet "
                "werden. Bitte die Einladung später erneut senden.",
                messages.ERROR,
            )

    def _set_active(self, request, queryset, active: bool, word: str):
        n = 0
        for account in queryset.select_related("user", "partner"):
            if partner_logins.set_active(account, active, by=_operator(request)):
                self.log_change(request, account, f"{word} von {_operator(request)}")
                n += 1
        self.message_user(request, f"{n} Zugang/Zugänge {word}.", messages.SUCCESS)

    @admin.action(description="Zugang sperren")
    def block(self, request, queryset):
        self._set_active(request, queryset, False, "gesperrt")

    @admin.action(description="Zugang entsperren")
    def unblock(self, request, queryset):
        self._set_active(request, queryset, True, "entsperrt")

    @admin.action(description="Einladung erneut senden (Zugänge ohne Passwort)")
    def resend(self, request, queryset):
        for account in queryset.select_related("user", "partner"):
            email = account.user.email
            try:
                sent = partner_logins.resend_invitation(
                    account, by=_operator(request), base_url=_base_url(request)
                )
            except Problem as exc:
                self.message_user(request, f"{email}: {exc.detail}", messages.WARNING)
                continue
            if sent:
                self.log_change(
                    request, account, f"Einladung erneut gesendet von {_operator(request)}"
                )
                self.message_user(request, f"Einladung an {email} gesendet.", messages.SUCCESS)
            else:
                self.message_user(
                    request, f"Die E-Mail an {email} konnte nicht gesendet werden.", messages.ERROR
                )


admin.site.register(CompanyWebhook, list_display=["company", "url", "is_active", "created_at"])
