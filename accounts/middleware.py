"""After the separate consent is withdrawn, nothing of a case is processed until it is given again."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse


class SensitiveConsentMiddleware:
    """Every case page sends a user who withdrew the consent to the page where it can be given again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not (user.is_authenticated and user.has_withdrawn_consent):
            return None
        if request.resolver_match is None or request.resolver_match.namespace != "cases":
            return None
        return redirect(f"{reverse('consent_give')}?{urlencode({'next': request.get_full_path()})}")
