"""Values read from the database and kept in this process for a while: statistics the
planner keeps anyway, the choices of a filter's drop-down, the searches whose walk gave
way (registry.search.walked). Each ``Kept`` is one
process's memory, not a shared cache: nothing is pickled or sent anywhere, and a value
is at most ``seconds`` old."""

import threading
import time


class Kept:
    """``get(key, seconds, compute)``: ``compute()``'s value for ``key``, computed again
    once it is ``seconds`` old. A key that cannot be hashed is computed every time.
    ``peek(key)`` and ``put(key, seconds, value)`` read and keep a value without
    computing it; ``forget(key)`` drops one. ``limit``: at most this many values (for
    keys that come from what people type), the oldest dropped first.
    ``clear()`` forgets everything (tests start from nothing)."""

    def __init__(self, limit=None):
        self._values = {}  # key -> (until, value), oldest first
        self.limit = limit
        self._writing = threading.Lock()  # a server's threads put values at once

    def get(self, key, seconds, compute):
        kept = self._kept(key)
        if kept is _UNHASHABLE:
            return compute()
        if kept is None:
            return self.put(key, seconds, compute())
        return kept[1]

    def peek(self, key, default=None):
        kept = self._kept(key)
        return default if kept is None or kept is _UNHASHABLE else kept[1]

    def put(self, key, seconds, value):
        try:
            hash(key)
        except TypeError:
            return value
        with self._writing:
            self._values.pop(key, None)
            if self.limit is not None and len(self._values) >= self.limit:
                now = time.monotonic()
                self._values = {k: v for k, v in self._values.items() if v[0] > now}
                while len(self._values) >= self.limit:
                    del self._values[next(iter(self._values))]
            self._values[key] = (time.monotonic() + seconds, value)
        return value

    def forget(self, key):
        if self._kept(key) is not _UNHASHABLE:
            with self._writing:
                self._values.pop(key, None)

    def _kept(self, key):
        """(until, value) while it lasts; None; or _UNHASHABLE."""
        try:
            hash(key)  # an empty dict answers without hashing
        except TypeError:
            return _UNHASHABLE
        kept = self._values.get(key)
        return kept if kept is not None and kept[0] > time.monotonic() else None

    def clear(self):
        with self._writing:
            self._values.clear()

    def __len__(self):
        return len(self._values)


_UNHASHABLE = object()
