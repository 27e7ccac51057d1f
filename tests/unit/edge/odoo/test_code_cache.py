"""The code cache: entries live ``ttl`` seconds, the oldest go first, forgetting is exact."""

from __future__ import annotations

import pytest

from edge.odoo import CodeCache, CustomerCode, ProductCode, UomName


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_is_served_until_its_ttl_runs_out() -> None:
    clock = Clock()
    cache = CodeCache(ttl=60.0, clock=clock)
    code = ProductCode(barcode="4006381333931")
    cache.put(code, 7)
    clock.now += 59.9
    assert cache.get(code) == 7
    assert cache.peek(code)
    clock.now += 0.1
    assert not cache.peek(code)
    assert cache.get(code) is None
    assert len(cache) == 0
    assert (cache.hits, cache.misses) == (1, 1)


def test_codes_of_different_kinds_never_collide() -> None:
    cache = CodeCache()
    cache.put(ProductCode(default_code="X"), 1)
    cache.put(CustomerCode(ref="X"), 2)
    cache.put(UomName(name="X"), 3)
    assert cache.get(ProductCode(default_code="X")) == 1
    assert cache.get(CustomerCode(ref="X")) == 2
    assert cache.get(UomName(name="X")) == 3
    assert cache.get(ProductCode(barcode="X")) is None


def test_it_is_bounded_and_drops_the_least_recently_stored() -> None:
    cache = CodeCache(max_entries=2)
    a, b, c = (CustomerCode(ref=r) for r in "abc")
    cache.put(a, 1)
    cache.put(b, 2)
    cache.put(a, 1)  # stored again: now the newest
    cache.put(c, 3)
    assert len(cache) == 2
    assert cache.get(b) is None
    assert (cache.get(a), cache.get(c)) == (1, 3)


def test_forget_drops_only_what_it_is_given_and_counts_it() -> None:
    cache = CodeCache()
    a, b = CustomerCode(ref="a"), CustomerCode(ref="b")
    cache.put(a, 1)
    cache.put(b, 2)
    assert cache.forget([a, CustomerCode(ref="zz")]) == 1
    assert cache.get(a) is None
    assert cache.get(b) == 2
    cache.clear()
    assert len(cache) == 0


@pytest.mark.parametrize("kwargs", [{"ttl": 0.0}, {"max_entries": 0}])
def test_nonsense_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="ttl > 0"):
        CodeCache(**kwargs)  # type: ignore[arg-type]
