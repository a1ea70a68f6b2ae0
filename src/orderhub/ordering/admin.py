from django.contrib import admin

from orderhub.ordering.models import Order, OrderEvent, OrderLine


class LineInline(admin.TabularInline):
    model = OrderLine
    extra = 0


class EventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    readonly_fields = [
        "at",
        "actor",
        "from_status",
        "to_status",
        "reason_code",
        "reason_params",
        "reason",
        "data",
    ]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Read-only for the operator: status changes go through the status machine, never here."""

    list_display = ["number", "company", "partner", "status", "created_at", "updated_at"]
    list_filter = ["status", "partner"]
    search_fields = ["number", "external_order_id"]
    readonly_fields = [f.name for f in Order._meta.fields]
    inlines = [LineInline, EventInline]
