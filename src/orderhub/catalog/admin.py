from django.contrib import admin

from orderhub.catalog.models import Article, ArticleMapping, CatalogImport, TradeTerm


@admin.register(CatalogImport)
class CatalogImportAdmin(admin.ModelAdmin):
    list_display = [
        "partner",
        "file_name",
        "mode",
        "status",
        "created",
        "updated",
        "deleted",
        "created_at",
    ]
    list_filter = ["status", "partner"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "partner_article_number",
        "short_description",
        "partner",
        "gtin",
        "hmv_number",
        "status",
    ]
    list_filter = ["partner", "status"]
    search_fields = ["partner_article_number", "gtin", "hmv_number", "short_description"]


@admin.register(TradeTerm)
class TradeTermAdmin(admin.ModelAdmin):
    """The trade lexicon: the operator adds, edits and switches off entries (reach searches within 30 s)."""

    list_display = ["terms", "note", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["terms", "note"]


@admin.register(ArticleMapping)
class ArticleMappingAdmin(admin.ModelAdmin):
    list_display = [
        "company",
        "partner",
        "line_label",
        "article",
        "created_by",
        "created_at",
        "used_count",
    ]
    list_filter = ["partner"]
    search_fields = ["line_label", "article__partner_article_number"]
    raw_id_fields = ["article"]
