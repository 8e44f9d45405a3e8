"""The Celery app: configuration comes from Django settings (CELERY_*), tasks from each app's tasks.py; each worker
process prepares the document renderer when it starts."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huabei_negotiate.settings")

# The collector's thresholds in a worker process (Python's defaults: 700, 10, 10); see prepare_renderer.
WORKER_GC_THRESHOLDS = (20_000, 5, 5)

app = Celery("huabei_negotiate")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def prepare_renderer(**_kwargs) -> None:
    """In each worker process, before its first job: WeasyPrint's internals that the renderer uses on the version
    they were written for (a warning and the public route on any other), the print stylesheet and its fonts loaded,
    then everything alive so far moved out of the garbage collector's sight, and its young generation made roomier.

    A render allocates hundreds of thousands of objects that live until it ends, whose allocation triggers
    collections that free nothing: without the freeze, the full ones would walk the whole process (Django,
    WeasyPrint, the fonts) each time, 10-100 ms per render. With it, measured one render of each in turn on the
    bench's proposal: Python's default thresholds (700, 10, 10) 243 ms, these 233 ms, (100,000, 20, 100) 227 ms;
    but the last let the worker's memory grow 7 % over 200 renders, where these keep it within 2 %.
    Imported here, not at the top: the web process imports this module too and must never load WeasyPrint.
    """
    from cases import pdf, pdf_compact_fonts

    pdf_compact_fonts.apply()
    pdf.warm_up()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLDS)
