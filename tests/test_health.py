"""/health/ reports database, Redis and worker as up or down, and nothing else."""

import pytest
from django.test import override_settings


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_all_up_with_a_worker(client, celery_worker):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"database": "up", "redis": "up", "worker": "up", "status": "up"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_worker_down_is_503(client):
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"database": "up", "redis": "up", "worker": "down", "status": "down"}


@pytest.mark.django_db
def test_redis_down_is_503_without_details(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body == {"database": "up", "redis": "down", "worker": "down", "status": "down"}
    assert b"127.0.0.1" not in response.content and b"Error" not in response.content
