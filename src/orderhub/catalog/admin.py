from django.contrib import admin

from orderhub.catalog.models import Article, CatalogImport


@admin.register(CatalogImport)
class CatalogImportAdmin(admin.ModelAdmin):
    list_display = ["partner", "file_name", "mode", "status", "created", "updated", "deleted", "created_at"]
    list_filter = ["status", "partner"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["partner_article_number", "short_description", "partner", "gtin", "hmv_number", "status"]
    list_filter = ["partner", "status"]
    search_fields = ["partner_article_number", "gtin", "hmv_number", "short_description"]
