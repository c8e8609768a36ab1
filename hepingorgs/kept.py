"""Values read from the database and kept in this process for a while: statistics the
planner keeps anyway, the choices of a filter's drop-down. Each ``Kept`` is one
process's memory, not a shared cache: nothing is pickled or sent anywhere, and a value
is at most ``seconds`` old."""

import time


class Kept:
    """``get(key, seconds, compute)``: ``compute()``'s value for ``key``, computed again
    once it is ``seconds`` old. A key that cannot be hashed is computed every time.
    ``clear()`` forgets everything (tests start from nothing)."""

    def __init__(self):
        self._values = {}  # key -> (until, value)

    def get(self, key, seconds, compute):
        now = time.monotonic()
        try:
            kept = self._values.get(key)
        except TypeError:  # unhashable: nothing to keep it under
            return compute()
        if kept is None or kept[0] <= now:
            kept = self._values[key] = (now + seconds, compute())
        return kept[1]

    def clear(self):
        self._values.clear()

    def __len__(self):
        return len(self._values)
