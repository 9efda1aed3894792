from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = _("Access management")

    def ready(self):
        from . import language  # noqa: F401 - its sign-in receiver
