"""The user account: sign in with a mainland mobile number or an e-mail address, plus the PIPL consent record."""

import re
from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")

# Raised whenever the wording of the sensitive-information consent changes, so that the record says what was agreed.
CONSENT_VERSION = "2026-11"


def normalize_mobile(value: str) -> str:
    """Strip spaces, dashes and a +86 / 0086 prefix from a mainland mobile number."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits


def login_key(identifier: str | None) -> str:
    """What a sign-in identifier means however it was typed: an e-mail address in lower case, or the mobile number.

    The login looks the account up by it, and the login throttle counts failures by it, so that no spelling of one
    number or address (spaces, +86, capitals) gets tries of its own.
    """
    value = (identifier or "").strip()
    if "@" in value:
        return value.lower()
    return normalize_mobile(value)


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(normalize_mobile(value)):
        raise ValidationError(_("请输入 11 位中国大陆手机号，例如 13800138000。"), code="invalid_mobile")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> "User":
        """Find a user by e-mail (any case) or by mobile number, whichever the person typed."""
        key = login_key(username)
        if "@" in key:
            return self.get(email__iexact=key)
        return self.get(phone=key)

    def _create_user(self, *, email: str | None, phone: str | None, password: str | None, **extra):
        if not email and not phone:
            raise ValueError("A user needs an e-mail address or a mobile number.")
        user = self.model(
            email=self.normalize_email(email) if email else None,
            phone=normalize_mobile(phone) if phone else None,
            **extra,
        )
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str | None = None, password: str | None = None, *, phone: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email=email, phone=phone, password=password, **extra)

    def create_superuser(self, email: str | None = None, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email=email, phone=extra.pop("phone", None), password=password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("电子邮箱"), unique=True, null=True, blank=True)
    phone = models.CharField(
        _("手机号"), max_length=11, unique=True, null=True, blank=True, validators=[validate_mobile]
    )
    display_name = models.CharField(_("称呼"), max_length=60, blank=True)
    is_staff = models.BooleanField(_("管理员"), default=False)
    is_active = models.BooleanField(_("有效"), default=True)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)
    sensitive_consent_at = models.DateTimeField(_("敏感个人信息同意时间"), null=True, blank=True)
    sensitive_consent_version = models.CharField(_("同意书版本"), max_length=20, blank=True)
    # Set when the user withdraws the consent (their sensitive data is deleted then); cleared when they give it again.
    sensitive_consent_withdrawn_at = models.DateTimeField(_("撤回同意时间"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["-date_joined"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(email__isnull=False) | models.Q(phone__isnull=False),
                name="accounts_user_has_login",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email or self.masked_phone

    @property
    def has_withdrawn_consent(self) -> bool:
        return self.sensitive_consent_withdrawn_at is not None

    @property
    def login_keys(self) -> list[str]:
        """Every identifier this account signs in with, as the login throttle records it."""
        return [login_key(value) for value in (self.email, self.phone) if value]

    @property
    def masked_phone(self) -> str:
        if not self.phone:
            return ""
        return f"{self.phone[:3]}****{self.phone[-4:]}"

    def clean(self) -> None:
        super().clean()
        if self.email == "":
            self.email = None
        if self.phone == "":
            self.phone = None
        if self.phone:
            self.phone = normalize_mobile(self.phone)
        if not self.email and not self.phone:
            raise ValidationError(_("请填写手机号或电子邮箱，至少一项。"))
