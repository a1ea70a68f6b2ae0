from django.contrib import admin

from orderhub.accounts.models import Account, ApiToken, AuditEvent, Company


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "created_at", "software_name"]
    search_fields = ["name"]


admin.site.register(Account)
admin.site.register(
    ApiToken,
    list_display=["company", "name", "hint", "created_at", "revoked_at"],
    readonly_fields=["digest", "hint"],
)
admin.site.register(
    AuditEvent, list_display=["company", "at", "actor", "action", "object_type", "object_id"]
)
