"""Probes of the three parts the app needs: the database, Redis and a Celery worker.

The worker probe is a broadcast through Redis that waits for an answer, so its result is kept for a few seconds in
this process's memory (never in Redis, which may be the part that is down): /health/ answers in milliseconds however
often it is asked, and only one request at a time waits for the workers.
"""

import threading
import time

import redis
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from huabei_negotiate.celery import app as celery_app

PROBE_TIMEOUT_SECONDS = 2.0
WORKER_PROBE_CACHE_SECONDS = 5
WORKER_PROBE_KEY = "health:worker"
# The process-local cache of settings.CACHES: no network, so it cannot hang.
PROBE_CACHE = "local"

_worker_probe_lock = threading.Lock()


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


def worker_up_cached() -> bool:
    """The worker probe's last answer while it is fresh; when it is stale, one request asks again.

    Requests that arrive while another one is asking get the previous answer instead of waiting in line.
    """
    cache = caches[PROBE_CACHE]
    cached = cache.get(WORKER_PROBE_KEY)
    if cached is not None and time.monotonic() - cached[1] < WORKER_PROBE_CACHE_SECONDS:
        return cached[0]
    if not _worker_probe_lock.acquire(blocking=cached is None):
        return cached[0]
    try:
        cached = cache.get(WORKER_PROBE_KEY)
        if cached is not None and time.monotonic() - cached[1] < WORKER_PROBE_CACHE_SECONDS:
            return cached[0]  # another request asked while this one waited for the lock
        up = worker_up()
        # Kept a while past its freshness, so that the next ones have a previous answer to give.
        cache.set(WORKER_PROBE_KEY, (up, time.monotonic()), timeout=WORKER_PROBE_CACHE_SECONDS * 12)
        return up
    finally:
        _worker_probe_lock.release()


def forget_worker_probe() -> None:
    caches[PROBE_CACHE].delete(WORKER_PROBE_KEY)


def health_report() -> dict[str, bool]:
    report = {"database": database_up(), "redis": redis_up()}
    # Without Redis the worker cannot be reached, and asking would only wait for the broker's retries.
    report["worker"] = worker_up_cached() if report["redis"] else False
    return report
