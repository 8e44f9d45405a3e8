"""The busiest pages of a case (the case page, the wizard's steps) kept in the cache as rendered, and served again
while the case keeps its revision (cases/revisions.py: any change to the case or anything it holds moves it on).

Rendering them takes most of the time of a request: a dozen queries, the plans, and 35-50 KB of template. What a
page shows depends on the case at a revision and on the request: its address, the language, the day (due dates,
days overdue), the user, and the CSRF secret its forms carry. All of those make the key, so a copy is served only
to the request that would have rendered the same bytes. A page is rendered afresh, and not kept, when a message is
waiting to be shown (base.html shows it once), for htmx fragments and when the browser has no CSRF cookie yet. If
the cache cannot be reached, pages are rendered as if there were none.

A copy belongs to one release of the code too: the key holds a fingerprint of the files a page is made from (the
Python of the apps, the templates, the compiled catalogues, the static manifest whose hashed names the pages link
to), so that after a deployment no page made by the code before it is served.
"""

import functools
import hashlib
import logging
import zlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from ..models import Case

# Long enough to serve a user going back and forth on their case; short enough that the cache holds only the cases
# in use (about 5-8 KB each, compressed).
SECONDS = 10 * 60
PREFIX = "case-page"

logger = logging.getLogger(__name__)

# What a page is made from, besides the case: the apps' code, the templates and the catalogues (under BASE_DIR).
RELEASE_SOURCES = ("accounts", "cases", "core", "huabei_negotiate", "templates", "locale")
RELEASE_SUFFIXES = {".py", ".html", ".mo", ".txt"}


def fingerprint() -> str:
    """Each source's path, size and modification time, and the static manifest (1-16 ms, with the files cold)."""
    base = Path(settings.BASE_DIR)
    stamps = []
    for source in RELEASE_SOURCES:
        for path in sorted((base / source).rglob("*")):
            if path.suffix in RELEASE_SUFFIXES and path.is_file():
                status = path.stat()
                stamps.append(f"{path.relative_to(base)}:{status.st_size}:{status.st_mtime_ns}")
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        stamps.append(hashlib.sha256(manifest.read_bytes()).hexdigest())
    return hashlib.sha256("\n".join(stamps).encode()).hexdigest()[:16]


_fingerprint_at_start = functools.cache(fingerprint)


def release() -> str:
    """This release of the code: read once per process, except in development (DEBUG), where templates and code
    change under a running server and a page made before an edit must not be served after it."""
    return fingerprint() if settings.DEBUG else _fingerprint_at_start()


def page_key(request: HttpRequest, case: Case) -> str | None:
    """The key of this request's page of this case at its revision, or None if the page is not to be kept."""
    csrf_secret = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    if request.method != "GET" or getattr(request, "htmx", False) or not csrf_secret:
        return None
    if len(get_messages(request)):  # counting does not mark them shown
        return None
    varies = [
        str(request.user.pk),
        request.get_full_path(),
        translation.get_language() or "",
        timezone.get_current_timezone_name(),
        timezone.localdate().isoformat(),
        csrf_secret,
    ]
    digest = hashlib.sha256("\n".join(varies).encode()).hexdigest()
    return f"{PREFIX}:{release()}:{case.pk}:{case.revision}:{digest}"


def cached_page(request: HttpRequest, case: Case, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The page `render` makes for this request, from the cache when the case has not changed since it was made."""
    key = page_key(request, case)
    if key is None:
        return render()
    try:
        stored = cache.get(key)
    except Exception:  # noqa: BLE001 (any failure of the cache: the page is rendered as without one)
        logger.warning("page cache unavailable, rendering the page", exc_info=True)
        return render()
    if stored is not None:
        return HttpResponse(zlib.decompress(stored), content_type="text/html; charset=utf-8")
    response = render()
    keep = response.status_code == 200 and not response.streaming and not response.cookies
    if keep and response["Content-Type"].startswith("text/html"):
        try:
            cache.set(key, zlib.compress(response.content, 1), SECONDS)
        except Exception:  # noqa: BLE001
            logger.warning("page cache unavailable, page not kept", exc_info=True)
    return response
