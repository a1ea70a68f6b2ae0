from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "orderhub.attachments"
    verbose_name = _("Anhänge")

    def ready(self):
        from orderhub.attachments import receivers  # noqa: F401, PLC0415 - receivers need loaded models
