from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "orderhub.accounts"
    verbose_name = _("Unternehmen und Zugänge")
