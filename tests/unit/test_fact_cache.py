"""FactCache and Snapshot on their own (a stamp reader given by hand): kept under one
stamp, dropped on a new one, never kept when the stamp moved during the load, bounded."""

from __future__ import annotations

from tracker.decision.cache import MISSING, FactCache, Snapshot


class Loader:
    def __init__(self, during=None):
        self.calls = 0
        self.during = during

    def __call__(self):
        self.calls += 1
        if self.during:
            self.during()
        return ("value", self.calls)


class Stamps:
    """A stamp reader that returns ``value`` (change it to simulate a write)."""

    def __init__(self, value="s1"):
        self.value = value
        self.reads = 0

    def __call__(self):
        self.reads += 1
        return self.value


def test_a_value_is_kept_while_the_stamp_holds():
    cache, stamps, load = FactCache(), Stamps(), Loader()
    first = Snapshot(cache, stamps).get("key", load)
    assert Snapshot(cache, stamps).get("key", load) is first
    assert load.calls == 1
    assert (cache.hits, cache.misses) == (1, 1)


def test_a_new_stamp_drops_every_value():
    cache, stamps, load, other = FactCache(), Stamps("s1"), Loader(), Loader()
    Snapshot(cache, stamps).get("a", load)
    Snapshot(cache, stamps).get("b", other)
    stamps.value = "s2"
    Snapshot(cache, stamps).get("a", load)
    Snapshot(cache, stamps).get("b", other)
    assert (load.calls, other.calls) == (2, 2)
    # Back to the old stamp (a rolled-back change's reader): nothing from before survives.
    stamps.value = "s1"
    Snapshot(cache, stamps).get("a", load)
    assert load.calls == 3


def test_a_value_loaded_while_the_facts_changed_is_not_kept():
    """A commit elsewhere, or this transaction's own write, between the stamp and the load."""
    cache, stamps = FactCache(), Stamps("s1")
    snapshot = Snapshot(cache, stamps)
    load = Loader(during=lambda: setattr(stamps, "value", "s2"))
    assert snapshot.get("key", load) == ("value", 1)  # returned to its caller...
    assert cache.lookup("s1", "key") is MISSING  # ...but kept under no stamp
    assert cache.lookup("s2", "key") is MISSING
    assert Snapshot(cache, stamps).get("key", Loader()) == ("value", 1)  # loaded afresh


def test_without_a_stamp_nothing_is_kept():
    cache, stamps, load = FactCache(), Stamps(None), Loader()
    Snapshot(cache, stamps).get("key", load)
    Snapshot(cache, stamps).get("key", load)
    assert load.calls == 2
    assert stamps.reads == 2  # no second reading when nothing can be kept


def test_a_store_under_an_older_stamp_is_dropped():
    cache = FactCache()
    assert cache.lookup("s1", "key") is MISSING
    assert cache.lookup("s2", "other") is MISSING  # another request saw a newer stamp
    cache.store("s1", "key", "stale")
    assert cache.lookup("s2", "key") is MISSING


def test_keys_are_kept_apart_and_the_least_recently_used_go_first():
    cache, stamps = FactCache(max_entries=2), Stamps()
    loads = {key: Loader() for key in "abc"}
    for key in "abaca" + "b":  # a is used again before c arrives, so b goes
        Snapshot(cache, stamps).get(key, loads[key])
    assert {k: v.calls for k, v in loads.items()} == {"a": 1, "b": 2, "c": 1}


def test_clear_forgets_everything():
    cache, stamps, load = FactCache(), Stamps(), Loader()
    Snapshot(cache, stamps).get("key", load)
    cache.clear()
    Snapshot(cache, stamps).get("key", load)
    assert load.calls == 2
