"""Login throttling keyed as the login reads the identifier, and rate limits on sign-up and password reset.

- django-axes counts failed sign-ins per (identifier, client address). Every spelling of one phone number or e-mail
  address is one identifier (`login_key`), and the address is the client's, read through the proxies
  (`core.network.client_ip`). Someone guessing from elsewhere locks only their own address out, never the owner.
  Each lockout of the same pair within a day lasts twice as long as the one before.
- django-ratelimit counts sign-ups, reset requests and reset mails per address, per identifier and per account in
  the shared cache, so that checking whether a number has an account cannot be done at full speed. When the cache
  cannot be reached the limits let requests through (and say so in the log): pages keep working without Redis.
"""

import hashlib
import logging
from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import is_ratelimited

from core.network import client_ip

from .models import login_key

logger = logging.getLogger(__name__)

COOLOFF_FIRST = timedelta(minutes=15)
COOLOFF_LONGEST = timedelta(hours=24)
# Failures of one pair this recent make its next lockout longer; older records are pruned (`prune_login_records`).
FAILURE_MEMORY = timedelta(hours=24)

# Per group, the limits a request counts against: (what it is counted by, at most so many per period).
RATES: dict[str, list[tuple[str, str]]] = {
    "signup": [("address", "20/h"), ("identifier", "5/h")],
    "password_reset": [("address", "10/h"), ("identifier", "5/h")],
    # Re-entering the password to delete the account: guessing it with a borrowed session is slow too.
    "account_delete": [("account", "5/h")],
}
RESET_MAILS_PER_ACCOUNT = "3/d"


# --- django-axes ------------------------------------------------------------------------------------------------


def axes_username(request: HttpRequest | None, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the identifier typed, as the login reads it."""
    typed = (credentials or {}).get("username")
    if not typed and request is not None:
        typed = request.POST.get("username")
    return login_key(typed) or None


def axes_lockout_cooloff(request: HttpRequest | None = None) -> timedelta:
    """AXES_COOLOFF_TIME: 15 minutes for a pair's first lockout in a day, then 30, 60... up to a day."""
    if request is None:
        return COOLOFF_FIRST
    username = axes_username(request, getattr(request, "axes_credentials", None))
    if not username:
        return COOLOFF_FIRST
    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    failures = AccessFailureLog.objects.filter(
        username=username, ip_address=address, attempt_time__gte=timezone.now() - FAILURE_MEMORY
    )
    # Failures during a lockout are not recorded (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off), so each
    # record marked locked_out started a lockout; the latest one, if it is the last record, is the current lockout.
    lockouts = failures.filter(locked_out=True).count()
    latest = failures.order_by("-attempt_time", "-id").values_list("locked_out", flat=True).first()
    earlier_lockouts = lockouts - 1 if latest else lockouts
    return min(COOLOFF_FIRST * 2**earlier_lockouts, COOLOFF_LONGEST)


def axes_client_str(username, ip_address, user_agent, path_info, request) -> str:
    """AXES_CLIENT_STR_CALLABLE: what the lockout log lines name. A digest stands for the phone or e-mail."""
    digest = hashlib.sha256((username or "").encode()).hexdigest()[:12] if username else "-"
    return f"{{identifier: {digest}, ip_address: {ip_address}, path_info: {path_info}}}"


def forget_failures(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """On user_logged_in: after a successful sign-in the pair starts afresh, its next lockout a first one again."""
    if request is None:
        return
    username = axes_username(request)
    if username:
        AccessFailureLog.objects.filter(username=username, ip_address=client_ip(request)).delete()


def prune_login_records(*, now=None) -> int:
    """Delete failure records older than they are useful, and attempts whose lockout has ended."""
    now = now or timezone.now()
    failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=now - FAILURE_MEMORY).delete()
    attempts, _ = AccessAttempt.objects.filter(expiration__expires_at__lte=now).delete()
    return failures + attempts


# --- rate limits ------------------------------------------------------------------------------------------------


def _counted(group: str, rate: str, value: str, request: HttpRequest | None = None) -> bool:
    """Count one request against one limit; True when it is over. An unreachable cache lets it through."""
    try:
        return is_ratelimited(request, group=group, key=lambda _group, _request: value, rate=rate, increment=True)
    except Exception as error:
        logger.warning("rate limit %s not applied: the cache is unreachable (%s)", group, type(error).__name__)
        return False


def over_limit(request: HttpRequest, group: str, *, identifier: str = "", account: int | None = None) -> bool:
    """Count the request against each limit of its group (every one, even past the first that is over)."""
    values = {"address": client_ip(request), "identifier": login_key(identifier), "account": str(account or "")}
    over = False
    for counted_by, rate in RATES[group]:
        if values[counted_by]:
            over = _counted(f"{group}:{counted_by}", rate, values[counted_by], request) or over
    return over


def reset_mail_allowed(user) -> bool:
    """At most a few reset mails a day to one account, however many addresses ask for them."""
    return not _counted("password_reset:mail", RESET_MAILS_PER_ACCOUNT, str(user.pk))
