"""Site-wide views: the health probe."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .health import health_report


@never_cache
def health(request):
    """Up or down for each part, nothing more: no hostnames, versions or error texts leave the server."""
    report = health_report()
    body = {name: ("up" if ok else "down") for name, ok in report.items()}
    body["status"] = "up" if all(report.values()) else "down"
    return JsonResponse(body, status=200 if all(report.values()) else 503)
