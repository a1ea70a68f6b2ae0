from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "orderhub.catalog"
    verbose_name = _("Kataloge")

    def ready(self):
        from orderhub.catalog.search import signals  # noqa: F401, PLC0415 - receivers need loaded models
