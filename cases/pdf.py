"""HTML -> PDF bytes with WeasyPrint's public interface: one font configuration, stylesheets parsed once, only the
app's static files fetched.

Imported only where a document is rendered (the Celery worker), never by the web process: WeasyPrint loads Pango,
HarfBuzz and fontconfig, which a web request never needs. The fonts are subsets of Noto Sans CJK made ahead of time
(scripts/subset-fonts, declared by @font-face in static/documents/print.css), the full faces behind them for a rare
character. cases/pdf_compact_fonts.py, which the worker applies at start on the WeasyPrint version it was written
for, makes the PDFs smaller and the renders faster; without it everything here works the same.
No storage and no ORM here; saving the bytes is the service's job.
"""

import functools
import mimetypes
import re
import signal
import threading
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from weasyprint import CSS
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import pdf_compact_fonts

# Documents are parsed against this origin so that "/static/..." becomes an absolute URL the fetcher can recognise;
# the .invalid top-level domain can never resolve, so nothing could leave the machine even by mistake.
BASE_URL = "https://documents.invalid/"
RENDER_TIME_LIMIT_SECONDS = 60
PRINT_STYLESHEET = "documents/print.css"

# Building a font configuration reads fontconfig's cache, and the print stylesheet's @font-face rules add the subset
# faces to it: one per process keeps warm renders fast.
_FONT_CONFIG = FontConfiguration()


class RenderTimeout(Exception):
    """The renderer took longer than RENDER_TIME_LIMIT_SECONDS."""


class StaticOnlyFetcher(URLFetcher):
    """Serves the app's own static files and refuses everything else: no file://, no network, no data: tricks."""

    def __init__(self):
        super().__init__(timeout=5, allowed_protocols=["https"], allow_redirects=False, fail_on_errors=False)

    def fetch(self, url, headers=None):
        path = self.static_path(url)
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})

    def static_path(self, url: str) -> Path:
        """The file behind an absolute URL of one of the app's static files; ValueError for any other URL."""
        prefix = BASE_URL.rstrip("/") + "/" + settings.STATIC_URL.strip("/") + "/"
        if not url.startswith(prefix):
            raise ValueError(f"only the app's static files may be fetched, not {url}")
        relative = url[len(prefix) :].split("?", 1)[0].split("#", 1)[0]
        if not relative or ".." in Path(relative).parts:
            raise ValueError(f"bad static path: {url}")
        path = finders.find(relative) or _collected(relative)
        if path is None:
            raise ValueError(f"no such static file: {relative}")
        return Path(path)


def _collected(relative: str) -> str | None:
    candidate = Path(settings.STATIC_ROOT) / relative
    return str(candidate) if candidate.is_file() else None


@functools.cache
def _fetcher() -> StaticOnlyFetcher:
    """One per process: building a URLFetcher loads the system's CA certificates (~20 ms), which it never uses here.

    It keeps no state between fetches, so renders in several threads may share it.
    """
    return StaticOnlyFetcher()


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


_STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)">')


def _split_stylesheets(html: str) -> tuple[str, list[CSS]]:
    """The document less its links to the app's stylesheets, and those stylesheets, each parsed once per version.

    Parsing the print stylesheet took 5 % of a render, for the same file every time, and its @font-face rules would
    load the subset faces again. The stylesheets go to WeasyPrint as the user's rather than the author's, a
    difference that shows only against author styles, which the documents do not have. A link that is not to a
    static file stays for WeasyPrint to fetch, and so to refuse.
    """
    stylesheets = []

    def parsed(link: re.Match) -> str:
        url = urljoin(BASE_URL, unescape(link.group(1)))
        try:
            path = _fetcher().static_path(url)
            modified = path.stat().st_mtime_ns
        except (ValueError, OSError):
            return link.group(0)
        stylesheets.append(_stylesheet(url, modified))
        return ""

    return _STYLESHEET_LINK.sub(parsed, html), stylesheets


@functools.lru_cache(maxsize=16)
def _stylesheet(url: str, modified: int) -> CSS:
    """`modified` is in the key so that a changed file is parsed again (the development server's workers live on)."""
    return CSS(url=url, url_fetcher=_fetcher(), font_config=_FONT_CONFIG)


def warm_up() -> None:
    """Parse the print stylesheet and load its faces now, so that a worker's first document is as fast as the next."""
    _split_stylesheets(f'<link rel="stylesheet" href="{static(PRINT_STYLESHEET)}">')


def render_pdf(html: str, *, time_limit: int = RENDER_TIME_LIMIT_SECONDS) -> bytes:
    """Lay out `html` (with its print stylesheet) and return the PDF, fonts subset and embedded."""
    with _time_limit(time_limit):
        html, stylesheets = _split_stylesheets(html)
        document = pdf_compact_fonts.document_class()(string=html, base_url=BASE_URL, url_fetcher=_fetcher())
        return document.write_pdf(stylesheets=stylesheets, font_config=_FONT_CONFIG)
