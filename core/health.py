"""Probes of the three parts the app needs: the database, Redis and a Celery worker."""

import redis
from django.conf import settings
from django.db import connection

from huabei_negotiate.celery import app as celery_app

PROBE_TIMEOUT_SECONDS = 2.0


def database_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def redis_up() -> bool:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=PROBE_TIMEOUT_SECONDS
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def worker_up() -> bool:
    """A worker answers a broadcast ping from its control thread, even while its pool is busy rendering."""
    try:
        # One reply is enough: without a limit the broadcast waits out the whole timeout even after a worker answered.
        replies = celery_app.control.ping(timeout=PROBE_TIMEOUT_SECONDS / 2, limit=1)
    except Exception:
        return False
    return any("ok" in (reply or {}).get(name, {}) for reply in replies for name in reply)


def health_report() -> dict[str, bool]:
    report = {"database": database_up(), "redis": redis_up()}
    # Without Redis the worker cannot be reached, and asking would only wait for the broker's retries.
    report["worker"] = worker_up() if report["redis"] else False
    return report
