"""Password rules of this app, besides Django's own (length, common passwords, similarity)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class IdentifierInPasswordValidator:
    """Refuses a password that contains the account's mobile number (or its last eight digits) or e-mail name.

    Django's similarity check compares the whole password with the whole number; `13800001111a` or
    `pw13800001111!` are as easy to guess as the number itself.
    """

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        phone = getattr(user, "phone", None)
        digits = re.sub(r"\D", "", password)
        if phone and (phone in digits or phone[-8:] in digits):
            raise ValidationError(_("密码不能包含手机号。"), code="password_contains_phone")
        email = getattr(user, "email", None)
        name = email.split("@", 1)[0].lower() if email else ""
        if len(name) >= 4 and name in password.lower():
            raise ValidationError(_("密码不能包含邮箱地址。"), code="password_contains_email")

    def get_help_text(self) -> str:
        return _("密码不能包含手机号或邮箱。")
