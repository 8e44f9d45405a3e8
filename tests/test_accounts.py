"""Sign-up with the separate PIPL consent, sign-in by mobile or e-mail, lockout, sign-out, passwords and their rules,
sessions that end when idle or when the browser closes."""

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import CONSENT_VERSION, User
from core.middleware import SESSION_ACTIVITY_GRANULARITY

from .builders import PASSWORD

SIGNUP = {
    "identifier": "13800138000",
    "display_name": "王五",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "accept_privacy": "on",
    "consent_sensitive": "on",
}


@pytest.mark.django_db
class TestSignUp:
    def test_page_shows_the_separate_consent(self, client):
        response = client.get(reverse("signup"))
        assert response.status_code == 200
        body = response.content.decode()
        assert "敏感个人信息" in body
        assert 'name="consent_sensitive"' in body and 'name="accept_privacy"' in body

    def test_with_a_mobile_number(self, client):
        response = client.post(reverse("signup"), {**SIGNUP, "identifier": "138 0013 8000"})
        assert response.status_code == 302
        user = User.objects.get(phone="13800138000")
        assert user.email is None
        assert user.sensitive_consent_at is not None
        assert user.sensitive_consent_version == CONSENT_VERSION
        assert client.get(reverse("home")).context["user"] == user

    def test_with_an_email(self, client):
        client.post(reverse("signup"), {**SIGNUP, "identifier": "Debtor@Example.com"})
        user = User.objects.get(email__iexact="debtor@example.com")
        assert user.phone is None

    def test_requires_the_sensitive_information_consent(self, client):
        data = {k: v for k, v in SIGNUP.items() if k != "consent_sensitive"}
        response = client.post(reverse("signup"), data)
        assert response.status_code == 200
        assert "处理敏感个人信息需要您的单独同意" in response.content.decode()
        assert not User.objects.exists()

    def test_privacy_agreement_does_not_stand_in_for_the_consent(self, client):
        data = {k: v for k, v in SIGNUP.items() if k != "accept_privacy"}
        response = client.post(reverse("signup"), data)
        assert response.status_code == 200
        assert not User.objects.exists()

    @pytest.mark.parametrize("identifier", ["12345", "1380013800", "23800138000", "not-an-email@", ""])
    def test_rejects_bad_identifiers(self, client, identifier):
        response = client.post(reverse("signup"), {**SIGNUP, "identifier": identifier})
        assert response.status_code == 200
        assert response.context["form"].errors["identifier"]
        assert not User.objects.exists()

    def test_rejects_a_taken_number(self, client, outsider):
        response = client.post(reverse("signup"), {**SIGNUP, "identifier": outsider.phone})
        assert "已经注册" in response.content.decode()
        assert User.objects.count() == 1

    def test_rejects_mismatched_and_weak_passwords(self, client):
        response = client.post(reverse("signup"), {**SIGNUP, "password2": "something-else-entirely"})
        assert response.context["form"].errors["password2"]
        response = client.post(reverse("signup"), {**SIGNUP, "password1": "12345678", "password2": "12345678"})
        assert response.context["form"].errors["password1"]
        assert not User.objects.exists()

    def test_errors_are_summarised_and_linked(self, client):
        response = client.post(reverse("signup"), {**SIGNUP, "identifier": "123"})
        body = response.content.decode()
        assert 'id="error-summary"' in body
        assert 'href="#id_identifier"' in body


@pytest.mark.django_db
class TestLogin:
    @pytest.mark.parametrize("typed", ["owner@example.com", "OWNER@example.com"])
    def test_with_email(self, client, owner, typed):
        response = client.post(reverse("login"), {"username": typed, "password": PASSWORD})
        assert response.status_code == 302
        assert client.get(reverse("home")).context["user"] == owner

    @pytest.mark.parametrize("typed", ["13900139000", "+86 139 0013 9000"])
    def test_with_mobile(self, client, outsider, typed):
        response = client.post(reverse("login"), {"username": typed, "password": PASSWORD})
        assert response.status_code == 302
        assert client.get(reverse("home")).context["user"] == outsider

    def test_wrong_password_says_so(self, client, owner):
        response = client.post(reverse("login"), {"username": owner.email, "password": "wrong"})
        assert response.status_code == 200
        assert "手机号/邮箱或密码不正确" in response.content.decode()

    def test_lockout_after_repeated_failures(self, client, owner, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(reverse("login"), {"username": owner.email, "password": "wrong"})
        # Even the right password is refused while the lockout lasts.
        response = client.post(reverse("login"), {"username": owner.email, "password": PASSWORD})
        assert response.status_code == 429
        assert "暂时无法登录" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_lockout_is_per_account_and_address(self, client, owner, outsider, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(reverse("login"), {"username": owner.email, "password": "wrong"})
        response = client.post(reverse("login"), {"username": outsider.phone, "password": PASSWORD})
        assert response.status_code == 302

    def test_logout_needs_post(self, owner_client):
        assert owner_client.get(reverse("logout")).status_code == 405
        response = owner_client.post(reverse("logout"))
        assert response.status_code == 302
        assert "_auth_user_id" not in owner_client.session


@pytest.mark.django_db
class TestPasswords:
    def test_change(self, owner_client, owner):
        new = "another-long-passphrase-42"
        response = owner_client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        assert response.status_code == 302
        owner.refresh_from_db()
        assert owner.check_password(new)

    def test_reset_by_email(self, client, owner):
        response = client.post(reverse("password_reset"), {"email": "OWNER@example.com"})
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [owner.email]
        link = next(line for line in message.body.splitlines() if "/reset/" in line)
        path = link.split("testserver", 1)[1]
        response = client.get(path, follow=True)
        new = "reset-passphrase-that-is-long"
        response = client.post(response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
        assert response.status_code == 302
        owner.refresh_from_db()
        assert owner.check_password(new)

    def test_reset_for_unknown_email_sends_nothing_and_reveals_nothing(self, client):
        response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
        assert response.status_code == 302
        assert mail.outbox == []


@pytest.mark.django_db
def test_admin_is_enabled_for_staff(client):
    admin = User.objects.create_superuser(email="admin@example.com", password=PASSWORD)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/user/add/").status_code == 200
    assert client.get(f"/admin/accounts/user/{admin.pk}/change/").status_code == 200


@pytest.mark.django_db
class TestPasswordRules:
    @pytest.mark.parametrize(
        "password", ["13800138000a", "pw13800138000!", "my-00138000-word", "13800138000", "Wangwu-13800138000"]
    )
    def test_sign_up_refuses_a_password_like_the_mobile_number(self, client, password):
        response = client.post(reverse("signup"), {**SIGNUP, "password1": password, "password2": password})
        assert response.context["form"].errors["password1"]
        assert not User.objects.exists()

    @pytest.mark.parametrize("password", ["debtor-2024-secret", "DEBTOR@example.com1", "xx.Debtor.xx.99"])
    def test_sign_up_refuses_a_password_with_the_email_name(self, client, password):
        data = {**SIGNUP, "identifier": "debtor@example.com", "password1": password, "password2": password}
        response = client.post(reverse("signup"), data)
        assert response.context["form"].errors["password1"]
        assert not User.objects.exists()

    def test_change_refuses_a_password_like_the_mobile_number(self, outsider_client, outsider):
        new = f"{outsider.phone}a"
        response = outsider_client.post(
            reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
        )
        assert response.status_code == 200 and response.context["form"].errors["new_password2"]
        outsider.refresh_from_db()
        assert outsider.check_password(PASSWORD)

    def test_an_unrelated_password_is_accepted(self, client):
        response = client.post(reverse("signup"), SIGNUP)
        assert response.status_code == 302


@pytest.mark.django_db
class TestSessions:
    def log_in(self, client, **extra):
        return client.post(reverse("login"), {"username": "owner@example.com", "password": PASSWORD, **extra})

    def test_ends_when_the_browser_closes_and_after_two_idle_hours(self, client, owner, settings):
        self.log_in(client)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        assert not cookie["max-age"] and not cookie["expires"]  # a browser-session cookie
        assert client.session.get_expire_at_browser_close()
        assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 2 * 60 * 60

    def test_remembered_on_this_device_when_asked(self, client, owner, settings):
        self.log_in(client, remember="on")
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        assert int(cookie["max-age"]) == settings.SESSION_REMEMBER_SECONDS == 30 * 24 * 60 * 60
        assert not client.session.get_expire_at_browser_close()

    def test_login_page_offers_to_remember(self, client):
        body = client.get(reverse("login")).content.decode()
        assert 'name="remember"' in body and "保持登录" in body

    def test_the_idle_timeout_moves_on_while_the_user_is_active(self, owner_client, settings):
        key = owner_client.session.session_key
        soon = timezone.now() + timezone.timedelta(minutes=1)
        Session.objects.filter(pk=key).update(expire_date=soon)
        owner_client.get(reverse("home"))
        expires = Session.objects.get(pk=key).expire_date
        assert expires > timezone.now() + timezone.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
        # Within the same few minutes further requests do not write the session again.
        Session.objects.filter(pk=key).update(expire_date=soon)
        owner_client.get(reverse("home"))
        assert Session.objects.get(pk=key).expire_date == soon
        assert SESSION_ACTIVITY_GRANULARITY <= 600

    def test_an_expired_session_is_signed_out(self, owner_client):
        Session.objects.filter(pk=owner_client.session.session_key).update(expire_date=timezone.now())
        response = owner_client.get(reverse("cases:new"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_language_cookie_is_same_site_lax(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    cookie = response.cookies["django_language"]
    assert cookie["samesite"] == "Lax" and cookie["httponly"]
