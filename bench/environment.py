"""The setup every benchmark shares: settings_test, a throwaway SQLite file and MEDIA_ROOT, Redis database 15.

A file (not the in-memory test database) so that the Celery worker bench/documents.py starts sees the same rows.
"""

import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Database 15 is the tests' own, so a development worker on database 0 never takes the bench's jobs. `make` exports
# REDIS_URL=redis://127.0.0.1:6379/0 for the app, which would win over settings_test's default: the bench sets it.
REDIS_URL = "redis://127.0.0.1:6379/15"


class BenchSetupError(Exception):
    """Something the bench needs is missing; the message says what to do."""


def require_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except (redis.exceptions.RedisError, OSError) as error:
        raise BenchSetupError(
            f"Redis on 127.0.0.1:6379 is not reachable ({error}). The document benchmarks need the real Redis: "
            "start it with `make redis` (or `redis-server --daemonize yes --bind 127.0.0.1`) and run again."
        ) from None


@contextmanager
def bench_database() -> Iterator[Path]:
    """Configure Django on a fresh SQLite file and MEDIA_ROOT, migrate, and delete both afterwards.

    The environment is set before django.setup(), so a worker started from this process inherits the same database,
    media directory and Redis database.
    """
    database = Path(tempfile.gettempdir()) / f"huabei-bench-{os.getpid()}.sqlite3"
    media = tempfile.mkdtemp(prefix="huabei-bench-media-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "huabei_negotiate.settings_test"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["MEDIA_ROOT"] = media
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        os.environ[name] = REDIS_URL
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # not django-axes' INFO line for every force_login
    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # whitenoise, before collectstatic has run
    configured = False
    try:
        import django

        django.setup()
        configured = True
        from django.core.management import call_command
        from django.test.utils import setup_test_environment

        setup_test_environment()
        from django.conf import settings

        # One account asks for far more versions in a few minutes than a person would: the hourly allowance of
        # cases/services/limits.py is not what the bench measures.
        settings.RATELIMIT_ENABLE = False
        call_command("migrate", verbosity=0)
        yield database
    finally:
        if configured:
            from django.db import connections

            connections.close_all()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(media, ignore_errors=True)


def get_rendered(client, url: str, **extra):
    """GET a page as a browser without a CSRF cookie yet asks for it: rendered, never served from the page cache
    (cases/views/page_cache.py), so that what is timed is the work of making the page."""
    from django.conf import settings

    client.cookies.pop(settings.CSRF_COOKIE_NAME, None)
    return client.get(url, **extra)
