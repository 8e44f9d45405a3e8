"""The shell every page shares: vendored assets, language switch, security headers, phone-sized layout."""

import re
import uuid

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_for_a_visitor_explains_the_app(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "逾期了，先别慌" in body
    assert 'name="viewport"' in body
    assert "隐私说明" in body  # footer privacy note


@pytest.mark.django_db
def test_no_asset_comes_from_another_host(client):
    body = client.get(reverse("signup")).content.decode()
    for url in re.findall(r'(?:src|href)="([^"]+)"', body):
        assert not url.startswith(("http:", "https:", "//")), url
    assert "/static/vendor/bootstrap-5.3.9/bootstrap.min.css" in body
    assert "/static/django_htmx/htmx-2.min.js" in body


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "逾期了，先别慌"), ("zh-hant", "逾期了，先別慌"), ("en", "Overdue? Don't panic.")],
)
def test_language_switch(client, language, expected):
    response = client.post(reverse("set_language"), {"language": language, "next": "/"}, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert expected in body
    assert f'<html lang="{language}">' in body


@pytest.mark.django_db
def test_default_language_is_simplified_chinese(client):
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="").content.decode()
    assert '<html lang="zh-hans">' in body


@pytest.mark.django_db
def test_privacy_page(client):
    response = client.get(reverse("privacy"))
    assert response.status_code == 200
    assert "个人信息保护法" in response.content.decode()


def test_not_found_page_speaks_the_users_language_and_offers_the_way_back(owner_client, anonymous_client):
    response = owner_client.get(f"/cases/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert "找不到这个页面" in response.content.decode()
    assert "回到我的案件" in response.content.decode()
    file_url = f"/cases/{uuid.uuid4()}/evidence/{uuid.uuid4()}/files/{uuid.uuid4()}/"
    response = anonymous_client.get(file_url)
    assert response.status_code == 404  # a file URL answers nothing to a visitor, not even "log in"-redirects
    assert f'href="/accounts/login/?next={file_url}' in response.content.decode().replace("%2F", "/")
