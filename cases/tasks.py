"""Thin Celery tasks: they take ids and call services; the services' status guards make retries safe."""

from celery import current_app, shared_task
from celery.signals import worker_ready
from django.db import OperationalError, close_old_connections
from django.utils import timezone

from . import services


# Nobody reads its result: without one, queuing it never waits on the result store (Redis down answers at once).
# A database busy for a moment (SQLite locked by another writer, a dropped connection) is tried again shortly, with
# the same task id, so that the retry takes over its own claim.
@shared_task(
    name="cases.render_document",
    bind=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=1,
    retry_backoff_max=10,
    max_retries=5,
)
def render_document(self, document_id: int) -> str:
    close_old_connections()
    document = services.document_render(document_id=document_id, task_id=self.request.id or "")
    return document.status if document is not None else "skipped"


@shared_task(name="cases.take_back_renders")
def take_back_renders() -> int:
    """The renders whose claiming task no live worker is running, queued again. Nothing is taken when no worker
    answers at all (the one running this task answers whenever its pool is not a single thread)."""
    close_old_connections()
    claimed_before = timezone.now()
    active = current_app.control.inspect(timeout=1.0).active()
    if not active:
        return 0
    live = {task["id"] for tasks in active.values() for task in tasks}
    return services.document_take_back(live_task_ids=live, claimed_before=claimed_before)


@worker_ready.connect
def take_back_renders_on_start(sender=None, **_kwargs) -> None:
    """A worker starting may be the one that replaces a worker killed mid-render: look at once, not after the hour
    the broker waits before handing the killed worker's messages back."""
    take_back_renders.delay()


@shared_task(name="cases.sweep_documents")
def sweep_documents() -> dict[str, int]:
    close_old_connections()
    return services.document_sweep()


@shared_task(name="cases.sweep_orphan_files")
def sweep_orphan_files() -> int:
    close_old_connections()
    return services.storage_sweep_orphans()


@shared_task(name="cases.build_bundle")
def build_bundle(bundle_id: int) -> str:
    close_old_connections()
    made = services.bundle_build(bundle_id=bundle_id)
    return made.status if made is not None else "skipped"


@shared_task(name="cases.sweep_bundles")
def sweep_bundles() -> dict[str, int]:
    close_old_connections()
    return services.bundle_sweep()


@shared_task(name="cases.send_reminders")
def send_reminders() -> dict[str, int]:
    """Beat runs it every hour of the day: a second run, or two at once, sends nothing twice."""
    close_old_connections()
    return services.reminders_send()
