"""Thin Celery tasks: they take ids and call services; the services' status guards make retries safe."""

from celery import shared_task
from django.db import close_old_connections

from . import services


@shared_task(name="cases.render_document")
def render_document(document_id: int) -> str:
    close_old_connections()
    document = services.document_render(document_id=document_id)
    return document.status if document is not None else "skipped"


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
