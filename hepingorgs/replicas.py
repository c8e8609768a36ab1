"""Read replicas: anonymous reads of the public pages go to a PostgreSQL streaming replica.

With ``DATABASE_REPLICA_URLS`` set, settings add the aliases ``replica1``, ``replica2``...
``ReplicaRoutingMiddleware`` marks a request as a *public read* when it is anonymous, uses
a safe method (GET, HEAD) and asks for one of ``settings.PUBLIC_READ_PATHS``; during such a
request ``ReplicaRouter`` sends reads to a replica. Staff, clerks, every other path and
every write use the primary (``default``), so nobody ever reads their own write from a
replica that may lag a little behind. Without replicas everything uses ``default``.
"""

import contextvars
import random

from django.conf import settings
from django.db import connections

_public_read = contextvars.ContextVar("hepingorgs_public_read", default=False)


def replica_aliases():
    return [alias for alias in connections.settings if alias.startswith("replica")]


def is_public_path(path):
    for public in settings.PUBLIC_READ_PATHS:
        if path == public or (public != "/" and path.startswith(public)):
            return True
    return False


class ReplicaRoutingMiddleware:
    """After AuthenticationMiddleware: decides whether this request's reads may go to a
    replica. Streaming responses (downloads) keep the decision while they are sent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        public = (
            request.method in ("GET", "HEAD")
            and is_public_path(request.path_info)
            and not request.user.is_authenticated
        )
        token = _public_read.set(public)
        try:
            response = self.get_response(request)
        finally:
            _public_read.reset(token)
        if public and response.streaming:
            response.streaming_content = _while_public(response.streaming_content)
        return response


def _while_public(content):
    _public_read.set(True)
    try:
        yield from content
    finally:
        _public_read.set(False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _public_read.get():
            replicas = replica_aliases()
            if replicas:
                return random.choice(replicas)
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas follow the primary's schema through streaming replication.
        return not db.startswith("replica")
