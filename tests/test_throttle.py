"""Login throttling keyed as the login reads the identifier, the client's address behind proxies, lockouts that grow,
and the rate limits on sign-up and password reset."""

import logging
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog
from django.core import mail
from django.db.models import F
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import throttle
from accounts.models import User, login_key

from .builders import PASSWORD
from .test_accounts import SIGNUP

PHONE = "13900139000"  # the `outsider` fixture's number
# Every way people write one mainland number: the login takes each of them, so each counts against the same tries.
PHONE_SPELLINGS = [
    "13900139000",
    "+86 139 0013 9000",
    "+8613900139000",
    "008613900139000",
    "0086 139-0013-9000",
    "139 0013 9000",
    "(139)0013-9000",
    " 139\u30000013 9000 ",
]
EMAIL_SPELLINGS = ["owner@example.com", "OWNER@example.com", " Owner@Example.COM ", "owner@EXAMPLE.com\t"]

CLIENT_A = "203.0.113.9"
CLIENT_B = "198.51.100.7"
PROXY = "127.0.0.1"


WRONG = "wrong-password"


def log_in(client: Client, username: str, password: str = WRONG, *, behind: str | None = None, **extra):
    if behind:
        # What the TLS proxy sends on: the client's own header (if any) with the address it saw appended.
        extra.setdefault("HTTP_X_FORWARDED_FOR", behind)
        extra["REMOTE_ADDR"] = PROXY
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def fail_until_locked(client: Client, spellings: list[str], limit: int, **extra) -> None:
    for attempt in range(limit):
        response = log_in(client, spellings[attempt % len(spellings)], **extra)
        assert response.status_code in (200, 429)


@pytest.fixture
def limit(settings) -> int:
    return settings.AXES_FAILURE_LIMIT


# --- the identifier ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", PHONE_SPELLINGS)
def test_every_spelling_of_the_number_signs_in(client, outsider, typed):
    assert login_key(typed) == PHONE
    assert log_in(client, typed, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_every_spelling_of_a_number_shares_the_same_tries(client, outsider, limit):
    fail_until_locked(client, PHONE_SPELLINGS, limit)
    assert AccessAttempt.objects.values_list("username", flat=True).distinct().get() == PHONE
    for typed in PHONE_SPELLINGS:
        response = log_in(client, typed, PASSWORD)
        assert response.status_code == 429, typed
        assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_case_and_padding_of_an_email_share_the_same_tries(client, owner, limit):
    fail_until_locked(client, EMAIL_SPELLINGS, limit)
    for typed in EMAIL_SPELLINGS:
        assert log_in(client, typed, PASSWORD).status_code == 429, typed


@pytest.mark.django_db
def test_the_lockout_page_says_for_how_long(client, outsider, limit):
    fail_until_locked(client, PHONE_SPELLINGS, limit)
    response = log_in(client, PHONE, PASSWORD)
    assert response.status_code == 429
    assert "15 分钟" in response.content.decode()


# --- the client's address ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(PROXY_COUNT=1)
def test_behind_the_proxy_a_lockout_holds_the_guessers_address_only(client, outsider, limit):
    fail_until_locked(client, PHONE_SPELLINGS, limit, behind=CLIENT_A)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}
    assert log_in(client, PHONE, PASSWORD, behind=CLIENT_A).status_code == 429
    # The owner, elsewhere, behind the same proxy, is not locked out.
    owner_device = Client()
    assert log_in(owner_device, PHONE, PASSWORD, behind=CLIENT_B).status_code == 302


@pytest.mark.django_db
@override_settings(PROXY_COUNT=1)
def test_behind_the_proxy_a_forged_header_gains_no_tries(client, outsider, limit):
    for attempt in range(limit):
        # The guesser sends a new X-Forwarded-For each time; the proxy appends the address it really saw.
        log_in(client, PHONE, behind=f"10.{attempt}.0.1, {CLIENT_A}")
    assert log_in(client, PHONE, PASSWORD, behind=f"10.99.0.1, {CLIENT_A}").status_code == 429


@pytest.mark.django_db
@override_settings(PROXY_COUNT=0)
def test_without_a_proxy_the_header_is_ignored(client, outsider, limit):
    for attempt in range(limit):
        log_in(client, PHONE, HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}
    assert log_in(client, PHONE, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


# --- lockouts that grow -----------------------------------------------------------------------------------------


def wait_out_the_lockout(minutes: int) -> None:
    """Move every record of the lockout back in time, as if `minutes` had passed."""
    shift = timedelta(minutes=minutes)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - shift)
    AccessAttemptExpiration.objects.update(expires_at=F("expires_at") - shift)
    AccessFailureLog.objects.update(attempt_time=F("attempt_time") - shift)


def locked_minutes(client: Client) -> int | None:
    response = log_in(client, PHONE, PASSWORD)
    if response.status_code != 429:
        assert response.status_code == 302
        return None
    return response.context["minutes"]


@pytest.mark.django_db
def test_each_lockout_within_a_day_lasts_twice_as_long(client, outsider, limit):
    expected = [15, 30, 60, 120]
    for minutes in expected:
        fail_until_locked(client, [PHONE], limit)
        assert locked_minutes(client) == minutes
        wait_out_the_lockout(minutes - 1)
        assert locked_minutes(client) == minutes  # still locked a minute before its end
        wait_out_the_lockout(2)
    # Waited out, the right password works, and the next lockout is a first one again.
    assert locked_minutes(client) is None
    client.logout()
    fail_until_locked(client, [PHONE], limit)
    assert locked_minutes(client) == 15


@pytest.mark.django_db
def test_failures_older_than_a_day_are_forgotten_and_pruned(client, outsider, limit):
    fail_until_locked(client, [PHONE], limit)
    wait_out_the_lockout(24 * 60 + 1)
    assert throttle.prune_login_records() >= limit
    assert not AccessFailureLog.objects.exists() and not AccessAttempt.objects.exists()
    fail_until_locked(client, [PHONE], limit)
    assert locked_minutes(client) == 15


@pytest.mark.django_db
def test_the_log_names_no_phone_number(client, outsider, limit, caplog):
    caplog.set_level(logging.INFO)
    fail_until_locked(client, PHONE_SPELLINGS, limit)
    messages = "\n".join(record.getMessage() for record in caplog.records)
    assert "AXES" in messages and "Locking out" in messages
    assert "0013" not in messages and "9000" not in messages
    assert AccessAttempt.objects.get().post_data.count("username=********************") == limit


# --- sign-up and password reset ---------------------------------------------------------------------------------


def sign_up(client: Client, identifier: str, *, behind: str = CLIENT_A):
    return client.post(
        reverse("signup"),
        {**SIGNUP, "identifier": identifier},
        HTTP_X_FORWARDED_FOR=behind,
        REMOTE_ADDR=PROXY,
    )


def rate(group: str, counted_by: str) -> int:
    return int(dict(throttle.RATES[group])[counted_by].split("/")[0])


@pytest.mark.django_db
@override_settings(PROXY_COUNT=1)
def test_sign_up_checks_of_one_number_are_limited_from_any_address(client, outsider):
    per_identifier = rate("signup", "identifier")
    for attempt in range(per_identifier):
        response = sign_up(client, PHONE_SPELLINGS[attempt % len(PHONE_SPELLINGS)], behind=f"192.0.2.{attempt}")
        assert response.status_code == 200 and "已经注册" in response.content.decode()
    response = sign_up(client, "+86 139 0013 9000", behind="192.0.2.200")
    assert response.status_code == 429
    assert "已经注册" not in response.content.decode()


@pytest.mark.django_db
@override_settings(PROXY_COUNT=1)
def test_sign_up_checks_from_one_address_are_limited(client, outsider):
    per_address = rate("signup", "address")
    for attempt in range(per_address):
        assert sign_up(client, f"1370000{attempt:04d}", behind=CLIENT_A).status_code in (200, 302)
        client.logout()
    # Taken or not, the answer is the same once the address is over its limit.
    taken, free = sign_up(client, PHONE), sign_up(client, "13711112222")
    assert taken.status_code == free.status_code == 429
    assert without_csrf_token(taken) == without_csrf_token(free)
    assert not User.objects.filter(phone="13711112222").exists()
    # Someone else, elsewhere, signs up as usual.
    assert sign_up(Client(), "13722223333", behind=CLIENT_B).status_code == 302


def without_csrf_token(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def ask_reset(client: Client, email: str, *, behind: str = CLIENT_A):
    return client.post(reverse("password_reset"), {"email": email}, HTTP_X_FORWARDED_FOR=behind, REMOTE_ADDR=PROXY)


@pytest.mark.django_db
@override_settings(PROXY_COUNT=1)
def test_reset_mails_are_limited_per_account_and_the_page_says_the_same(client, owner):
    allowed = int(throttle.RESET_MAILS_PER_ACCOUNT.split("/")[0])
    for attempt in range(allowed + 2):
        response = ask_reset(Client(), EMAIL_SPELLINGS[attempt % len(EMAIL_SPELLINGS)], behind=f"192.0.2.{attempt}")
        assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == allowed


@pytest.mark.django_db
@override_settings(PROXY_COUNT=1)
def test_reset_requests_are_limited_per_address_and_per_address_asked_for(client, owner):
    for _ in range(rate("password_reset", "identifier")):
        assert ask_reset(Client(), "nobody@example.com", behind=CLIENT_B).status_code == 302
    assert ask_reset(Client(), "NOBODY@example.com", behind="192.0.2.1").status_code == 429
    for attempt in range(rate("password_reset", "address") - rate("password_reset", "identifier")):
        assert ask_reset(client, f"someone{attempt}@example.com", behind=CLIENT_B).status_code == 302
    assert ask_reset(client, "owner@example.com", behind=CLIENT_B).status_code == 429


@pytest.mark.django_db
def test_without_the_cache_the_limits_let_requests_through(client, outsider, settings, caplog):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    started = timezone.now()
    for _ in range(rate("signup", "identifier") + 1):
        response = client.post(reverse("signup"), {**SIGNUP, "identifier": PHONE})
        assert response.status_code == 200 and "已经注册" in response.content.decode()
    assert timezone.now() - started < timedelta(seconds=5)
    assert "the cache is unreachable" in caplog.text
