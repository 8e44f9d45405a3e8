"""Site-wide jobs: a round-trip ping through the broker to a worker."""

from celery import shared_task


@shared_task(name="core.ping")
def ping() -> str:
    return "pong"
