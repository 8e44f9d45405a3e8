"""Writes to accounts: creating a user together with the record of their consent."""

from django.db import transaction
from django.utils import timezone

from .models import CONSENT_VERSION, User


def user_sign_up(*, email: str | None, phone: str | None, password: str, display_name: str = "") -> User:
    """Create an account; the caller has already obtained the separate consent to sensitive information."""
    with transaction.atomic():
        return User.objects.create_user(
            email=email,
            phone=phone,
            password=password,
            display_name=display_name,
            sensitive_consent_at=timezone.now(),
            sensitive_consent_version=CONSENT_VERSION,
        )
