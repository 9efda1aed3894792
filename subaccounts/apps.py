from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubaccountsConfig(AppConfig):
    name = "subaccounts"
    verbose_name = _("Subaccounts")
