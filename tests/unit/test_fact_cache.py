"""FactCache on its own: kept under one stamp, dropped on a new one, bounded, and never
kept without a stamp."""

from __future__ import annotations

from tracker.decision.cache import FactCache


class Loader:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return ("value", self.calls)


def test_a_value_is_kept_while_the_stamp_holds():
    cache, load = FactCache(), Loader()
    first = cache.get("s1", "key", load)
    assert cache.get("s1", "key", load) is first
    assert load.calls == 1
    assert (cache.hits, cache.misses) == (1, 1)


def test_a_new_stamp_drops_every_value():
    cache, load, other = FactCache(), Loader(), Loader()
    cache.get("s1", "a", load)
    cache.get("s1", "b", other)
    cache.get("s2", "a", load)
    cache.get("s2", "b", other)
    assert (load.calls, other.calls) == (2, 2)
    # Back to the old stamp (a rolled-back change's reader): nothing from before survives.
    cache.get("s1", "a", load)
    assert load.calls == 3


def test_without_a_stamp_nothing_is_kept():
    cache, load = FactCache(), Loader()
    cache.get(None, "key", load)
    cache.get(None, "key", load)
    assert load.calls == 2


def test_keys_are_kept_apart_and_the_least_recently_used_go_first():
    cache = FactCache(max_entries=2)
    loads = {key: Loader() for key in "abc"}
    cache.get("s", "a", loads["a"])
    cache.get("s", "b", loads["b"])
    cache.get("s", "a", loads["a"])  # a is now the most recently used
    cache.get("s", "c", loads["c"])  # so b goes
    cache.get("s", "a", loads["a"])
    cache.get("s", "b", loads["b"])
    assert {k: v.calls for k, v in loads.items()} == {"a": 1, "b": 2, "c": 1}


def test_clear_forgets_everything():
    cache, load = FactCache(), Loader()
    cache.get("s", "key", load)
    cache.clear()
    cache.get("s", "key", load)
    assert load.calls == 2
