"""The client's address, for login throttling, the security log and the API's throttles.

Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, each appending the address it received the
request from to ``X-Forwarded-For``, the client is the N-th address from the right: what a
client writes into the header itself stays on the left and is never believed. With 0 (the
default: no proxy) the header is ignored and ``REMOTE_ADDR`` is used. This is the rule of
Django REST framework's ``NUM_PROXIES``.
"""

from django.conf import settings


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
    if not addresses:
        return remote
    return addresses[-min(count, len(addresses))]
