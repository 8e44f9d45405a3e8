"""Shared fixtures: an owner, a second user, clients for each, a case with a debt and an agreement built through the
services, and the project's own Celery app for the worker."""

import uuid
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import User
from cases.models import Agreement, Case, Debt

from .builders import PASSWORD, make_agreement, make_case, make_debt

__all__ = ["PASSWORD"]


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    """Each test counts sign-ups and reset requests from zero: the counters live in Redis under this prefix."""
    settings.RATELIMIT_CACHE_PREFIX = f"rl:{uuid.uuid4().hex}:"


@pytest.fixture
def owner(db) -> User:
    return User.objects.create_user(email="owner@example.com", password=PASSWORD, display_name="张三")


@pytest.fixture
def outsider(db) -> User:
    return User.objects.create_user(phone="13900139000", password=PASSWORD, display_name="李四")


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def outsider_client(outsider) -> Client:
    client = Client()
    client.force_login(outsider)
    return client


@pytest.fixture
def anonymous_client() -> Client:
    return Client()


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """Real file storage in a fresh folder for each test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def case(owner) -> Case:
    """A bare case: a title and nothing else yet. Modules that need more build their own `case`."""
    return make_case(owner)


@pytest.fixture
def other_case(outsider) -> Case:
    return make_case(outsider, title="别人的案件")


@pytest.fixture
def debt(case) -> Debt:
    return make_debt(case)


@pytest.fixture
def agreement(case, debt) -> Agreement:
    return make_agreement(case, [debt])


@pytest.fixture
def celery_app():
    """The worker in celery.contrib.pytest runs the project's real app: its real settings and the real Redis."""
    import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping, which the worker start-up checks)

    from huabei_negotiate.celery import app

    return app


@pytest.fixture
def celery_worker_parameters():
    return {"shutdown_timeout": 30}
