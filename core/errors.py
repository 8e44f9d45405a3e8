"""The page for a request that failed on the server: a 503 saying "try again shortly" when the database cannot be
reached (nothing saved is lost, and requests succeed as soon as it is back), Django's 500 for anything else."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

# Seconds a browser or a monitor is asked to wait before trying again.
RETRY_AFTER = 30


def server_error(request) -> HttpResponse:
    """handler500: called while the exception is being handled, so sys.exc_info() names it."""
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        return defaults.server_error(request)
    # Without the request's context processors: they would ask the database who the user is. The page is the one
    # of a visitor, in the language LocaleMiddleware chose from the cookie or the browser.
    response = HttpResponse(render_to_string("503.html", {"request": request}), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response
