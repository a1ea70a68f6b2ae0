from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "orderhub.delivery"
    verbose_name = _("Zustellung")

    def ready(self):
        from orderhub.delivery import receivers  # noqa: F401, PLC0415 - receivers need loaded models
