"""/health/ reports up or down; each part only to staff or to the token; the worker probe is kept a few seconds."""

import threading
import time

import pytest
from django.test import override_settings

from accounts.models import User
from core import health

from .builders import PASSWORD

TOKEN = "monitor-token-for-the-tests"
DETAILS_UP = {"database": "up", "redis": "up", "worker": "up", "status": "up"}


@pytest.fixture(autouse=True)
def fresh_worker_probe():
    """Each test asks the workers anew: an answer kept from the test before would say nothing."""
    health.forget_worker_probe()
    yield
    health.forget_worker_probe()


@pytest.fixture
def staff_client(client, db):
    client.force_login(User.objects.create_user(email="ops@example.com", password=PASSWORD, is_staff=True))
    return client


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_all_up_with_a_worker(client, celery_worker, settings):
    settings.HEALTH_TOKEN = TOKEN
    response = client.get("/health/", HTTP_X_HEALTH_TOKEN=TOKEN)
    assert response.status_code == 200
    assert response.json() == DETAILS_UP
    assert "no-cache" in response["Cache-Control"]
    assert client.get("/health/").json() == {"status": "up"}


@pytest.mark.django_db
def test_worker_down_is_503_and_a_visitor_sees_only_the_status(client):
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "down"}


@pytest.mark.django_db
def test_staff_see_each_part(staff_client):
    response = staff_client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"database": "up", "redis": "up", "worker": "down", "status": "down"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("configured", "given", "details"),
    [(TOKEN, TOKEN, True), (TOKEN, "wrong", False), (TOKEN, "", False), ("", "", False)],
    ids=["right", "wrong", "none", "unset"],
)
def test_details_with_the_token_only(client, settings, configured, given, details):
    settings.HEALTH_TOKEN = configured
    header = client.get("/health/", HTTP_X_HEALTH_TOKEN=given).json()
    query = client.get("/health/", {"token": given}).json()
    assert ("database" in header) is details and ("database" in query) is details


@pytest.mark.django_db
def test_a_signed_in_user_who_is_not_staff_sees_only_the_status(owner_client):
    assert owner_client.get("/health/").json() == {"status": "down"}


@pytest.mark.django_db
def test_redis_down_is_503_without_details(staff_client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = staff_client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body == {"database": "up", "redis": "down", "worker": "down", "status": "down"}
    assert b"127.0.0.1" not in response.content and b"Error" not in response.content


def timed(call) -> float:
    started = time.monotonic()
    call()
    return time.monotonic() - started


# Without a worker the real broadcast waits out its whole timeout: that is what the cache saves the next requests.
NO_WORKER_WAIT = health.PROBE_TIMEOUT_SECONDS / 2 * 0.9


@pytest.mark.django_db
def test_the_worker_probe_is_kept_a_few_seconds(client):
    assert timed(lambda: client.get("/health/")) >= NO_WORKER_WAIT
    timings = sorted(timed(lambda: client.get("/health/")) for _ in range(20))
    # None waits for the workers (on a quiet machine each takes a few milliseconds).
    assert timings[-1] < NO_WORKER_WAIT / 2 and timings[10] < 0.1, timings
    # Once the answer is stale, the next request asks the workers again.
    cache = health.caches[health.PROBE_CACHE]
    up, asked_at = cache.get(health.WORKER_PROBE_KEY)
    cache.set(health.WORKER_PROBE_KEY, (up, asked_at - health.WORKER_PROBE_CACHE_SECONDS - 1))
    assert timed(lambda: client.get("/health/")) >= NO_WORKER_WAIT


@pytest.mark.django_db(transaction=True)
def test_concurrent_visitors_wait_for_one_probe_only():
    """Eight requests at once while the answer is stale: one asks the workers, the others answer at once."""
    health.caches[health.PROBE_CACHE].set(health.WORKER_PROBE_KEY, (False, time.monotonic() - 60))
    durations: list[float] = []
    threads = [threading.Thread(target=lambda: durations.append(timed(health.worker_up_cached))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    durations.sort()
    assert durations[-1] >= NO_WORKER_WAIT  # the one that asked
    assert durations[-2] < NO_WORKER_WAIT / 2, durations  # everyone else
    # The fresh answer is kept: the next visitor does not wait.
    assert timed(health.worker_up_cached) < NO_WORKER_WAIT / 2
