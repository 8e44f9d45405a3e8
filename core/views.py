"""Site-wide views: the health probe."""

import hmac

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .health import health_report


def _may_see_details(request) -> bool:
    """Staff, or a monitor holding HEALTH_TOKEN (in the X-Health-Token header or as ?token=)."""
    if request.user.is_authenticated and request.user.is_staff:
        return True
    expected = settings.HEALTH_TOKEN
    given = request.headers.get("X-Health-Token") or request.GET.get("token") or ""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@never_cache
def health(request):
    """Up or down, and for staff or the token each part too; never hostnames, versions or error texts."""
    report = health_report()
    up = all(report.values())
    body = {name: ("up" if ok else "down") for name, ok in report.items()} if _may_see_details(request) else {}
    body["status"] = "up" if up else "down"
    return JsonResponse(body, status=200 if up else 503)
