from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "orderhub.notifications"
    verbose_name = _("Benachrichtigungen")

    def ready(self):
        # Django loads models before ready(); these modules import them (receivers connects).
        from orderhub.delivery import periodic  # noqa: PLC0415 - needs loaded models
        from orderhub.notifications import receivers, services  # noqa: F401, PLC0415 - same

        periodic.register("notifications", services.run_periodic)
