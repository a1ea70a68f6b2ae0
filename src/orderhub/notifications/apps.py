from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "orderhub.notifications"
    verbose_name = _("Benachrichtigungen")

    def ready(self):
        from orderhub.delivery import periodic
        from orderhub.notifications import (
            receivers,  # noqa: F401 - connects the receivers
            services,
        )

        periodic.register("notifications", services.run_periodic)
