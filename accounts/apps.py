from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .throttle import forget_failures

        user_logged_in.connect(forget_failures, dispatch_uid="accounts.forget_login_failures")
