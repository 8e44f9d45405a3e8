"""The client's address as the app sees it, for login throttling and rate limits.

Behind PROXY_COUNT proxies (the TLS proxy counts one) the client is the address the outermost proxy appended to
X-Forwarded-For, PROXY_COUNT places from the right; anything further left was sent by the client itself and is not
trusted. Without proxies the header is ignored, since anyone can send it. django-ipware reads the chain.
"""

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


def client_ip(request: HttpRequest) -> str:
    proxies = settings.PROXY_COUNT
    if proxies:
        # ipware counts the proxies named inside the header, which excludes the one that connects to us.
        address, _routable = get_client_ip(
            request,
            proxy_order="left-most",
            proxy_count=proxies - 1,
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            strict=False,
        )
        if address:
            return address
    return request.META.get("REMOTE_ADDR") or ""
