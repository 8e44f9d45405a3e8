"""A real task through the real Redis to a real worker thread, and back."""

import pytest

from core.tasks import ping


@pytest.mark.worker
def test_ping_round_trip_through_redis(celery_worker):
    result = ping.delay()
    assert result.get(timeout=20) == "pong"
    assert result.successful()


def test_the_app_is_configured_not_to_lose_jobs(celery_app):
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit < conf.task_time_limit
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility > conf.task_time_limit
    assert conf.result_backend_transport_options["visibility_timeout"] == visibility
    assert conf.visibility_timeout == visibility
    assert conf.broker_url.startswith("redis://")
    assert conf.task_always_eager is False
