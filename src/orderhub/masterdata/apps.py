from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MasterdataConfig(AppConfig):
    name = "orderhub.masterdata"
    verbose_name = _("Stammdaten")
