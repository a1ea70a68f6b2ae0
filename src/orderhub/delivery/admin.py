"""Operator views (Django admin): dead-lettered deliveries and company-webhook events with a manual
retry, their attempts, documents."""

from django.contrib import admin, messages

from orderhub.delivery import company_webhooks
from orderhub.delivery.models import (
    CompanyWebhook,
    Delivery,
    DeliveryAttempt,
    Document,
    PartnerAccount,
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


admin.site.register(PartnerAccount)
admin.site.register(CompanyWebhook, list_display=["company", "url", "is_active", "created_at"])
