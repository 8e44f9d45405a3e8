from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("协商案件")

    def ready(self) -> None:
        from . import revisions

        revisions.connect()
