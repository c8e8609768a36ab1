"""hepingorgs.kept.Kept: values kept in the process for a while, at most ``limit`` of them."""

import time

from hepingorgs.kept import Kept


def test_a_value_is_computed_once_while_it_lasts(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    kept, calls = Kept(), []

    def compute():
        calls.append(1)
        return len(calls)

    assert kept.get("k", 10, compute) == 1
    assert kept.get("k", 10, compute) == 1 and kept.peek("k") == 1
    now[0] += 10  # exactly ``seconds`` old: computed again
    assert kept.peek("k") is None and kept.peek("k", "gone") == "gone"
    assert kept.get("k", 10, compute) == 2


def test_an_unhashable_key_is_computed_every_time():
    kept = Kept()
    assert kept.get(["a"], 10, lambda: 1) == 1 and len(kept) == 0
    assert kept.put(["a"], 10, 2) == 2 and kept.peek(["a"]) is None
    kept.forget(["a"])  # nothing to forget, no error


def test_put_and_forget():
    kept = Kept()
    kept.put("a", 10, True)
    assert kept.peek("a") is True
    kept.forget("a")
    kept.forget("never kept")
    assert kept.peek("a") is None and len(kept) == 0


def test_at_most_limit_values_the_expired_then_the_oldest_dropped_first(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    kept = Kept(limit=3)
    kept.put("short", 1, 1)
    kept.put("b", 100, 2)
    kept.put("c", 100, 3)
    now[0] = 5  # "short" has expired: it goes, not the oldest living value
    kept.put("d", 100, 4)
    assert [kept.peek(k) for k in ("short", "b", "c", "d")] == [None, 2, 3, 4]
    kept.put("b", 100, 5)  # kept again: now the newest
    kept.put("e", 100, 6)  # "c" is the oldest
    assert len(kept) == 3
    assert [kept.peek(k) for k in ("b", "c", "d", "e")] == [5, None, 4, 6]
    kept.clear()
    assert len(kept) == 0
