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


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_every_scheduled_task_runs_on_the_worker(celery_app, celery_worker, settings, tmp_path):
    """Beat sends tasks by name: each name in the schedule must be one the worker knows, and must run there."""
    settings.MEDIA_ROOT = tmp_path
    for entry in celery_app.conf.beat_schedule.values():
        result = celery_app.send_task(entry["task"])
        assert result.get(timeout=20) is not None, entry["task"]
        assert result.successful(), entry["task"]


def test_each_worker_process_prepares_the_renderer_when_it_starts():
    """Sent by a prefork worker in each child before its first job: WeasyPrint's internals applied on the version
    they were written for, the print stylesheet loaded, everything alive so far frozen out of the collector's way."""
    import gc

    from celery.signals import worker_process_init

    from cases import pdf_compact_fonts
    from huabei_negotiate.celery import WORKER_GC_THRESHOLDS

    thresholds = gc.get_threshold()
    pdf_compact_fonts.remove()
    try:
        worker_process_init.send(sender=None)
        assert pdf_compact_fonts.is_applied()
        assert gc.get_freeze_count() > 100_000  # Django, WeasyPrint and the parsed stylesheet
        assert gc.get_threshold() == WORKER_GC_THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        pdf_compact_fonts.remove()
