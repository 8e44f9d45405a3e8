"""What every response to a signed-in user gets: no copy in any cache, and a session that ends when left idle."""

import time

from django.utils.cache import patch_cache_control

# The session is written again at most this often: the idle timeout (SESSION_COOKIE_AGE) then holds to within these
# seconds, without a database write on every request.
SESSION_ACTIVITY_GRANULARITY = 300


class NoStoreForUsersMiddleware:
    """Every page a signed-in user sees carries their personal data: neither the browser nor a proxy keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class SessionActivityMiddleware:
    """Marks a signed-in session as used, so that it is saved (and its expiry moved on) every few minutes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            slot = int(time.time()) // SESSION_ACTIVITY_GRANULARITY
            if request.session.get("_activity") != slot:
                request.session["_activity"] = slot
        return response
