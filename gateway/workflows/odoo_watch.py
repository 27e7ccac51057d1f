"""The Odoo watcher: polls Odoo for what it decided and turns it into partners' documents.

::

    watch = OdooWatch(store, config, notify=wake)        # made once: breaker, counters
    report = await watch.poll(client)                     # one poll of both models
    OdooWatchActor(watch, server=odoo_server(config), nursery=loops)   # child "odoo-watch"
    await ref.ask(PollOdoo())                             # poll now (tests, operators)

Every ``[odoo] poll_interval`` seconds, and only while its breaker is not open, it reads
confirmed ``sale.order`` records (:mod:`gateway.workflows.order_ack`) and outgoing pickings
ready to ship (:mod:`gateway.workflows.fulfillment`) changed since its cursors
(``odoo-poll:sale.order``, ``odoo-poll:stock.picking``: see
:mod:`gateway.workflows._cursor`). Each record is decided in ONE store transaction together
with the cursor's advance past it, so a crash between the read and the commit reads the
same records again, and their idempotency keys make that harmless; after the commit the
partners whose loops have new rows are woken (``notify("partner:<id>")``).

Odoo is protected as the delivery actor protects it: its own token bucket and breaker
(``[odoo] rate_limit`` / ``breaker``). A transient failure (down, 5xx, timeout) ends the
poll where it is, counts on the breaker, and the next poll retries from the cursor, which
never passes a record that was not handled. A business refusal from Odoo (access rights, a
field it does not have) ends the poll too and shows in the status; it is not retried faster.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec
import trio

from actors import (
    Actor,
    ActorStopped,
    BreakerState,
    CircuitBreaker,
    CircuitOpen,
    MailboxFull,
    TokenBucket,
)
from contracts.errors import CrossdockError, TransientFailure
from edge.odoo import OdooServer, open_odoo_client
from gateway.config import Config
from gateway.endpoints import GetEndpointStatus, make_breaker, make_limiter
from gateway.log import get_logger
from gateway.store import Store, Tx
from gateway.workflows._base import GetWorkflowStatus
from gateway.workflows._cursor import Cursor, OdooCaller, cursor_name
from gateway.workflows.fulfillment import (
    FulfillmentOutcome,
    OdooPicking,
    read_ready_pickings,
    record_fulfillment,
)
from gateway.workflows.order_ack import AckOutcome, OdooOrder, read_confirmed_orders, record_ack

__all__ = ["WATCH_NAME", "OdooWatch", "OdooWatchActor", "PollOdoo", "PollReport"]

log = get_logger("crossdock.odoo_watch")

WATCH_NAME = "odoo-watch"
LOOKBACK = 10
"""Seconds behind its cursor a look-back pass re-reads: Odoo stamps a write with its
transaction's start, so a transaction that commits late lands behind a cursor that has
passed its second; what the pass finds again is "seen" (its keys exist), what it finds
new is handled and counted ``late``."""
LOOKBACK_EVERY = 60.0
"""Seconds (wall clock) between two look-back passes."""
ORDERS = cursor_name("sale.order")
PICKINGS = cursor_name("stock.picking")
T = TypeVar("T")
Record = TypeVar("Record", OdooOrder, OdooPicking)
Decided = tuple[str, tuple[str, ...], str | None]
"""What one record's transaction decided: outcome, destinations to wake, why it is unsent."""
DecideRecord = Callable[[Tx, Record], Decided]
ReadPage = Callable[..., Awaitable[list[Record]]]


@dataclass(frozen=True, slots=True)
class _Model(Generic[Record]):
    """One Odoo model the watch follows: its cursor, how a page of it is read, and how one
    record is decided (inside the transaction that moves the cursor)."""

    cursor: str
    read: ReadPage[Record]
    decide: DecideRecord[Record]


class PollOdoo(msgspec.Struct, frozen=True):
    """Poll Odoo now; answered with the :class:`PollReport`."""


class _Tick(msgspec.Struct, frozen=True):
    """Told to itself every poll interval."""


class PollReport(msgspec.Struct, frozen=True, kw_only=True):
    polled: bool
    """False: the breaker was open, Odoo was not asked."""
    orders: dict[str, int] = {}
    pickings: dict[str, int] = {}
    error: str | None = None


class _Guarded:
    """The client behind the watcher's limiter and breaker: only transient failures count."""

    def __init__(self, client: OdooCaller, breaker: CircuitBreaker, limiter: TokenBucket) -> None:
        self.client = client
        self.breaker = breaker
        self.limiter = limiter

    async def call(
        self,
        model: str,
        method: str,
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        *,
        ids: Sequence[int] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        await self.limiter.acquire()
        async with self.breaker.guard(lambda exc: isinstance(exc, TransientFailure)):
            return await self.client.call(model, method, args, kwargs, ids=ids, context=context)


def _deciding(
    decide: DecideRecord[Record],
    record: Record,
    cursor: str,
) -> Callable[[Tx], Decided]:
    """The transaction of one record: what was decided, and the cursor moved past it."""

    def one(tx: Tx) -> Decided:
        decided = decide(tx, record)
        tx.set_cursor(cursor, record.cursor.encode())
        return decided

    return one


def _decide_one(
    decide: DecideRecord[Record],
    record: Record,
    tx: Tx,
) -> Decided:
    return decide(tx, record)


def _seconds_before(write_date: str, seconds: int) -> str:
    moment = dt.datetime.strptime(write_date[:19], "%Y-%m-%d %H:%M:%S")
    return (moment - dt.timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


class OdooWatch:
    """The watcher's state and one poll; made once, so a restart keeps breaker and counts."""

    def __init__(
        self,
        store: Store,
        config: Config,
        *,
        notify: Callable[[str], None] | None = None,
        breaker: CircuitBreaker | None = None,
        limiter: TokenBucket | None = None,
        page: int = 100,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.config = config
        self.notify = notify
        self.breaker = breaker or make_breaker(WATCH_NAME, config.odoo.breaker)
        self.limiter = limiter or make_limiter(config.odoo.rate_limit)
        self.page = page
        self.wall_clock = wall_clock
        self.orders: Counter[str] = Counter()
        self.pickings: Counter[str] = Counter()
        self.polls = 0
        self.skipped_open = 0
        self.failed_polls = 0
        self.last_poll: float | None = None
        self.last_error: str | None = None
        self.unsent: deque[str] = deque(maxlen=20)
        """The last reasons pickings or acknowledgements were not sent (newest last)."""
        self.cursors: dict[str, str | None] = {ORDERS: None, PICKINGS: None}
        self.late = 0
        self._last_lookback: float | None = None
        self._lock = trio.Lock()

    @property
    def wanted(self) -> tuple[bool, bool]:
        """(acknowledgements, fulfillment): whether the configuration asks for each."""
        acks = any("order_acknowledgement" in p.outbound for p in self.config.partners)
        return acks, bool(self.config.routing)

    async def poll(self, client: OdooCaller) -> PollReport:
        """One poll of both models (never two at once); Odoo's failures end it, never raise."""
        async with self._lock:
            if self.breaker.state is BreakerState.OPEN:
                self.skipped_open += 1
                return PollReport(polled=False, error="the Odoo breaker is open")
            self.polls += 1
            self.last_poll = self.wall_clock()
            guarded = _Guarded(client, self.breaker, self.limiter)
            orders: Counter[str] = Counter()
            pickings: Counter[str] = Counter()
            acks, fulfillment = self.wanted
            now = self.wall_clock()
            look_back = self._last_lookback is None or now - self._last_lookback >= LOOKBACK_EVERY
            try:
                if acks:
                    sales = _Model(ORDERS, read_confirmed_orders, self._order)
                    await self._follow(sales, guarded, orders, look_back=look_back)
                if fulfillment:
                    ready = _Model(PICKINGS, read_ready_pickings, self._picking)
                    await self._follow(ready, guarded, pickings, look_back=look_back)
                if look_back:
                    self._last_lookback = now
            except (CircuitOpen, CrossdockError) as exc:
                self.failed_polls += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("odoo_poll_failed", error=self.last_error)
                return PollReport(polled=True, orders=dict(orders), pickings=dict(pickings),
                                  error=self.last_error)  # fmt: skip
            return PollReport(polled=True, orders=dict(orders), pickings=dict(pickings))

    async def _follow(
        self, model: _Model[Record], client: OdooCaller, counts: Counter[str], *, look_back: bool
    ) -> None:
        """Read what changed in ``model`` since its cursor and, if it is time, look back."""
        await self._drain(model, client, counts)
        if look_back:
            await self._look_back(model, client, counts)

    async def _drain(self, model: _Model[Record], client: OdooCaller, counts: Counter[str]) -> None:
        """Read pages after the stored cursor until a short page; one transaction a record."""
        cursor, read, decide = model.cursor, model.read, model.decide
        while True:
            position = await self.store.get_cursor(cursor)
            self.cursors[cursor] = position
            records = await read(client, Cursor.decode(position), limit=self.page)
            for record in records:
                outcome, destinations, why = await self.store.transact(
                    _deciding(decide, record, cursor)
                )
                self.cursors[cursor] = record.cursor.encode()
                counts[outcome] += 1
                (self.orders if cursor == ORDERS else self.pickings)[outcome] += 1
                if why is not None:
                    self.unsent.append(why)
                    log.warning("odoo_record_not_sent", record=record.name, why=why)
                self._wake(destinations)
            if len(records) < self.page:
                return

    async def _look_back(
        self, model: _Model[Record], client: OdooCaller, counts: Counter[str]
    ) -> None:
        """Re-read the :data:`LOOKBACK` seconds behind the cursor (the cursor stays): a record
        committed late is handled now; the rest are ``seen`` again and change nothing (or
        stay unsent for the reason already reported when they were first read)."""
        cursor, read, decide = model.cursor, model.read, model.decide
        position = Cursor.decode(await self.store.get_cursor(cursor))
        if position is None:
            return
        since: Cursor | None = Cursor(_seconds_before(position.write_date, LOOKBACK), 0)
        while True:
            records = await read(client, since, limit=self.page)
            behind = [r for r in records if r.cursor <= position]
            for record in behind:
                outcome, destinations, _why = await self.store.transact(
                    functools.partial(_decide_one, decide, record)
                )
                if outcome == "sent":  # anything else was said when it was first read
                    self.late += 1
                    counts["late_sent"] += 1
                    log.warning("odoo_record_found_late", record=record.name)
                self._wake(destinations)
            if len(records) < self.page or len(behind) < len(records):
                return
            since = records[-1].cursor

    def _wake(self, destinations: tuple[str, ...]) -> None:
        """After a commit: tell the delivery loops of ``destinations`` they have work."""
        if self.notify is not None:
            for destination in destinations:
                self.notify(destination)

    def _order(self, tx: Tx, order: OdooOrder) -> Decided:
        outcome, recorded = record_ack(tx, self.config, order)
        why = None
        if outcome is AckOutcome.REFUSED and recorded is not None:
            why = f"acknowledgement of {order.name}: {recorded.refused}"
        destinations = recorded.destinations if recorded is not None else ()
        return str(outcome), destinations, why

    def _picking(self, tx: Tx, picking: OdooPicking) -> Decided:
        outcome, recorded, why = record_fulfillment(tx, self.config, picking)
        destinations = tuple(sorted({d for r in recorded for d in r.destinations}))
        if outcome is FulfillmentOutcome.SEEN:
            why = None
        return str(outcome), destinations, why

    def status(self) -> dict[str, Any]:
        return {
            "watch": {
                "cursors": {
                    name: None if value is None else msgspec.json.decode(value)
                    for name, value in self.cursors.items()
                },
                "polls": self.polls,
                "failed_polls": self.failed_polls,
                "skipped_breaker_open": self.skipped_open,
                "last_poll": self.last_poll,
                "last_error": self.last_error,
                "orders": dict(self.orders),
                "pickings": dict(self.pickings),
                "not_sent": list(self.unsent),
                "found_late": self.late,
            },
            "breaker": msgspec.to_builtins(self.breaker.status()),
            "limiter": msgspec.to_builtins(self.limiter.status()),
        }


WatchMessage = PollOdoo | _Tick | GetWorkflowStatus | GetEndpointStatus


class OdooWatchActor(Actor[WatchMessage, Any]):
    """One incarnation: its own Odoo client, a poll at start and every ``interval`` seconds.

    The timer runs in ``nursery`` (one that outlives incarnations; None: no timer, polls
    only when asked) and tells the actor, so a poll never runs beside another or beside a
    status answer. ``client`` replaces the one opened from ``server`` (tests).
    """

    def __init__(
        self,
        watch: OdooWatch,
        *,
        server: OdooServer | None = None,
        client: OdooCaller | None = None,
        nursery: trio.Nursery | None = None,
        interval: float | None = None,
    ) -> None:
        if (server is None) == (client is None):
            raise ValueError("give exactly one of server and client")
        self.watch = watch
        self.server = server
        self.client = client
        self.nursery = nursery
        self.interval = watch.config.odoo.poll_interval if interval is None else interval
        self._stack = AsyncExitStack()
        self._ticker = trio.CancelScope()

    async def on_start(self) -> None:
        if self.server is not None:
            # No request is made here: the gateway starts while Odoo is down.
            self.client = await self._stack.enter_async_context(open_odoo_client(self.server))
        if self.nursery is not None and math.isfinite(self.interval):
            self.nursery.start_soon(self._run_ticker, self.interval)
        try:
            self.ref.tell_nowait(_Tick())
        except MailboxFull:
            log.warning("odoo_watch_first_poll_deferred")

    async def on_stop(self) -> None:
        self._ticker.cancel()
        await self._stack.aclose()

    async def _run_ticker(self, interval: float) -> None:
        with self._ticker:
            while True:
                await trio.sleep(interval)
                try:
                    self.ref.tell_nowait(_Tick())
                except MailboxFull:
                    pass  # a poll is already due behind a busy mailbox
                except ActorStopped:
                    return

    async def receive(self, message: WatchMessage) -> Any:
        match message:
            case PollOdoo() | _Tick():
                assert self.client is not None  # set by on_start
                return await self.watch.poll(self.client)
            case GetWorkflowStatus() | GetEndpointStatus():
                return self.status()
            case _:
                raise TypeError(f"odoo-watch: unexpected message {message!r}")

    def status(self) -> dict[str, Any]:
        return self.watch.status()
