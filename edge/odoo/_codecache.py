"""Customer, product and unit codes resolved recently, kept for a short time.

Why: at a sustained rate most orders name the same few customers and products, and looking
them up again for every batch cost up to four ``search_read`` calls per delivery attempt,
more than half of the Odoo calls of order intake. Codes change rarely in Odoo (a barcode is
reassigned, a product is archived), so a resolution may be reused for ``ttl`` seconds.

Why that is safe: a cached entry only ever names a record that existed and carried that code
when it was looked up. What can go wrong, and what happens then:

- the record was **deleted** since: Odoo's ``load`` refuses the order (no record with that
  database id); the delivery forgets the refused orders' cached codes, resolves them again
  from Odoo and loads them once more; a code that is now unknown is then rejected as it
  would have been without a cache (``crossdock.UnknownProduct`` ...), so only a code Odoo
  really lacks ends in a dead letter;
- the record was **archived**, or its code moved to another record: Odoo still accepts the
  id, so orders delivered within ``ttl`` of the change use the record the code named
  before, as orders delivered just before the change did; after ``ttl`` the code is looked
  up again (an archived record is then not found).

Only unambiguous hits are kept: a code that is unknown or names several records is looked
up again on the next attempt, so fixing it in Odoo takes effect at once. The cache is
bounded (``max_entries``, the least recently stored go first) and its clock is injected.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

__all__ = ["CodeCache"]


class CodeCache:
    """Code -> database id, each for ``ttl`` seconds after it was looked up."""

    def __init__(
        self,
        *,
        ttl: float = 60.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0 or max_entries < 1:
            raise ValueError("a code cache needs ttl > 0 and max_entries >= 1")
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, int]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, code: Hashable) -> int | None:
        """The id ``code`` resolved to less than ``ttl`` ago, or None."""
        entry = self._entries.get(code)
        if entry is not None and entry[0] > self._clock():
            self.hits += 1
            return entry[1]
        if entry is not None:
            del self._entries[code]
        self.misses += 1
        return None

    def peek(self, code: Hashable) -> bool:
        """Whether ``code`` is cached and fresh (counts as neither hit nor miss)."""
        entry = self._entries.get(code)
        return entry is not None and entry[0] > self._clock()

    def put(self, code: Hashable, record_id: int) -> None:
        self._entries.pop(code, None)
        self._entries[code] = (self._clock() + self.ttl, record_id)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def forget(self, codes: Iterable[Hashable]) -> int:
        """Drop these codes; how many were cached."""
        return sum(self._entries.pop(code, None) is not None for code in codes)

    def clear(self) -> None:
        self._entries.clear()
