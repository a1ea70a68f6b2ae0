"""Operator views (Django admin): the notices and each recipient's mail with its errors."""

from django.contrib import admin

from orderhub.notifications.models import BranchAddress, Mail, Notice


class MailInline(admin.TabularInline):
    model = Mail
    extra = 0
    can_delete = False
    readonly_fields = [
        "email",
        "role",
        "language",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
    ]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "company", "order", "key"]
    list_filter = ["kind"]
    search_fields = ["order__number", "key"]
    readonly_fields = ["company", "order", "kind", "key", "params", "created_at"]
    inlines = [MailInline]


@admin.register(Mail)
class MailAdmin(admin.ModelAdmin):
    list_display = ["notice", "email", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["email", "notice__order__number"]
    readonly_fields = ["notice", "email", "role", "language", "attempts", "last_error", "sent_at"]


@admin.register(BranchAddress)
class BranchAddressAdmin(admin.ModelAdmin):
    list_display = ["branch", "email", "updated_at", "updated_by"]
    search_fields = ["email", "branch__name"]
