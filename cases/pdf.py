"""HTML -> PDF bytes with WeasyPrint: one font configuration reused, only the app's static files fetched.

No storage and no ORM here; saving the bytes is the service's job.
"""

import mimetypes
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Documents are parsed against this origin so that "/static/..." becomes an absolute URL the fetcher can recognise;
# the .invalid top-level domain can never resolve, so nothing could leave the machine even by mistake.
BASE_URL = "https://documents.invalid/"
RENDER_TIME_LIMIT_SECONDS = 60

# Building a font configuration reads fontconfig's cache; one per process keeps warm renders fast.
_FONT_CONFIG = FontConfiguration()


class RenderTimeout(Exception):
    """The renderer took longer than RENDER_TIME_LIMIT_SECONDS."""


class StaticOnlyFetcher(URLFetcher):
    """Serves the app's own static files and refuses everything else: no file://, no network, no data: tricks."""

    def __init__(self):
        super().__init__(timeout=5, allowed_protocols=["https"], allow_redirects=False, fail_on_errors=False)

    def fetch(self, url, headers=None):
        prefix = BASE_URL.rstrip("/") + "/" + settings.STATIC_URL.strip("/") + "/"
        if not url.startswith(prefix):
            raise ValueError(f"only the app's static files may be fetched, not {url}")
        relative = url[len(prefix) :].split("?", 1)[0].split("#", 1)[0]
        if not relative or ".." in Path(relative).parts:
            raise ValueError(f"bad static path: {url}")
        path = finders.find(relative) or _collected(relative)
        if path is None:
            raise ValueError(f"no such static file: {relative}")
        mime_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        return URLFetcherResponse(url, Path(path).read_bytes(), {"Content-Type": mime_type})


def _collected(relative: str) -> str | None:
    candidate = Path(settings.STATIC_ROOT) / relative
    return str(candidate) if candidate.is_file() else None


@contextmanager
def _time_limit(seconds: int):
    """An alarm in the main thread (a prefork worker's child renders there); elsewhere Celery's limits apply."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise RenderTimeout(f"rendering took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def render_pdf(html: str, *, time_limit: int = RENDER_TIME_LIMIT_SECONDS) -> bytes:
    """Lay out `html` (with its print stylesheet) and return the PDF, fonts subset and embedded."""
    with _time_limit(time_limit):
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher())
        return document.write_pdf(font_config=_FONT_CONFIG)
