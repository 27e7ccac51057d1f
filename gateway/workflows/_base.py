"""What every document workflow shares: decide inside the store's transaction, then wake.

::

    def decide(tx: Tx, document: DocumentRecord) -> Decision:   # sync, quick, no I/O
        ...
        return Route([NewDelivery(...)])      # new -> routed, deliveries enqueued
        return Refuse("line 2 ($.lines[1].product): ...")   # new -> dead (a dead letter)
        return Refuse("...", deliveries=[ack])   # dead, and the partner told in the same tx
        return Hold("waiting for the other half of split shipment WH/OUT/00007")

    flow = DocumentWorkflow(Flow.SHIPMENT_CONFIRMATION, decide, store, notify=wake)
    await flow.handle(document_id)       # idempotent: only `new` documents of the flow move
    await flow.process_pending()         # every `new` document of the flow (rehydration)
    WorkflowActor(flow, tick=(30.0, flush))   # a supervised child; tick: periodic work

``decide`` runs inside ONE store transaction with the move it decides (``Tx`` gives it the
cursors and the other documents to read and write), so what it reads (a watermark, the
siblings of a split) cannot change between deciding and recording. It must not raise: an
exception there is a bug of ours, and the document becomes a dead letter naming it (replay
after the fix), so that one document can never stall a flow in a crash loop.

After the commit ``notify(destination)`` is called once per destination that got a new
delivery (``odoo`` or ``partner:<id>``), so the loop that delivers it claims now.
A ``Hold`` leaves the document ``new``: it is decided again when told again, at the next
rehydration, or from a tick.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec
import trio

from actors import Actor, ActorRef, ActorStopped, MailboxFull
from gateway.log import get_logger
from gateway.store import (
    DocumentRecord,
    DocumentState,
    IllegalTransition,
    NewDelivery,
    Store,
    Tx,
)

__all__ = [
    "Decide",
    "Decision",
    "DocumentReady",
    "DocumentWorkflow",
    "GetWorkflowStatus",
    "Hold",
    "Refuse",
    "Route",
    "RoutingOutcome",
    "WorkflowActor",
    "tell_document_ready",
]

log = get_logger("crossdock.workflows")


class Route(msgspec.Struct, frozen=True):
    """Route the document: ``new`` -> ``routed`` and these deliveries enqueued (may be none)."""

    deliveries: Sequence[NewDelivery] = ()


class Refuse(msgspec.Struct, frozen=True):
    """The document breaks a rule: a dead letter with this reason (naming field and line)."""

    reason: str
    deliveries: Sequence[NewDelivery] = ()
    """Enqueued in the refusal's transaction (e.g. a rejection acknowledgement to the
    partner), linked to the document unless they name another; idempotent on their keys."""


class Hold(msgspec.Struct, frozen=True):
    """Not yet: the document stays ``new`` (why is logged and shown in /status)."""

    why: str


Decision = Route | Refuse | Hold
Decide = Callable[[Tx, DocumentRecord], Decision]


class RoutingOutcome(enum.StrEnum):
    ROUTED = "routed"
    DEAD = "dead"
    HELD = "held"
    SKIPPED = "skipped"
    """Not a ``new`` document of this flow (already routed, someone else's, or gone)."""


class DocumentReady(msgspec.Struct, frozen=True):
    """Document ``document_id`` was stored as ``new``: decide it."""

    document_id: int


class GetWorkflowStatus(msgspec.Struct, frozen=True):
    """Asks the workflow for its counters and last refusal."""


class _Rehydrate(msgspec.Struct, frozen=True):
    """Told to itself on start: decide every ``new`` document the store holds."""


class _Tick(msgspec.Struct, frozen=True):
    """Told to itself every tick interval (a flow's scheduled work)."""


def tell_document_ready(ref: ActorRef[Any, Any], document_id: int) -> None:
    """Tell a workflow without ever waiting: the document is committed as ``new``, so a full
    mailbox or a stopped actor only means it is decided when the workflow rehydrates."""
    try:
        ref.tell_nowait(DocumentReady(document_id))
    except (MailboxFull, ActorStopped) as exc:
        log.warning("document_ready_not_told", document_id=document_id, why=str(exc))


class _Applied(msgspec.Struct, frozen=True):
    outcome: RoutingOutcome
    detail: str | None = None
    destinations: tuple[str, ...] = ()
    deliveries: int = 0


def _linked(deliveries: Sequence[NewDelivery], document_id: int) -> list[NewDelivery]:
    return [
        d if d.document_id is not None else msgspec.structs.replace(d, document_id=document_id)
        for d in deliveries
    ]


class DocumentWorkflow:
    """One flow's logic over the store; :class:`WorkflowActor` only feeds it messages."""

    def __init__(
        self,
        flow: str,
        decide: Decide,
        store: Store,
        *,
        notify: Callable[[str], None] | None = None,
        doc_types: frozenset[str] | None = None,
    ) -> None:
        self.flow = str(flow)
        self.decide = decide
        self.store = store
        self.notify = notify
        self.doc_types = doc_types
        self.counts: dict[str, int] = {o.value: 0 for o in RoutingOutcome}
        self.last_refusal: str | None = None
        self.held: dict[int, str] = {}

    def ours(self, document: DocumentRecord) -> bool:
        return document.flow == self.flow and (
            self.doc_types is None or document.doc_type in self.doc_types
        )

    async def handle(self, document_id: int) -> RoutingOutcome:
        """Decide one document; anything but a ``new`` document of this flow is left alone."""
        applied = await self.store.transact(lambda tx: self._apply(tx, document_id))
        return self._after(document_id, applied)

    async def process_pending(self, *, batch: int = 100) -> int:
        """Decide every ``new`` document of the flow, oldest first; returns how many moved."""
        moved, after = 0, 0
        while True:
            documents = await self.store.list_documents(
                DocumentState.NEW, flow=self.flow, after_id=after, limit=batch
            )
            for document in documents:
                outcome = await self.handle(document.document_id)
                if outcome in (RoutingOutcome.ROUTED, RoutingOutcome.DEAD):
                    moved += 1
            if len(documents) < batch:
                return moved
            after = documents[-1].document_id

    def _apply(self, tx: Tx, document_id: int) -> _Applied:
        document = tx.get_document(document_id)
        if document is None or not self.ours(document) or document.state is not DocumentState.NEW:
            return _Applied(RoutingOutcome.SKIPPED)
        try:
            decision = self.decide(tx, document)
        except Exception as exc:  # a bug of ours: never a crash loop over one document
            log.exception("workflow_decide_failed", flow=self.flow, document_id=document_id)
            decision = Refuse(f"internal error deciding this document: {type(exc).__name__}: {exc}")
        try:
            match decision:
                case Route(deliveries=deliveries):
                    enqueued = tx.route_document_many(document_id, deliveries)
                    pairs = zip(deliveries, enqueued, strict=True)
                    fresh = {d.destination for d, e in pairs if e.created}
                    return _Applied(
                        RoutingOutcome.ROUTED,
                        destinations=tuple(sorted(fresh)),
                        deliveries=len(deliveries),
                    )
                case Refuse(reason=reason, deliveries=deliveries):
                    tx.kill_document(document_id, reason)
                    enqueued = tx.enqueue_many(_linked(deliveries, document_id))
                    pairs = zip(deliveries, enqueued, strict=True)
                    fresh = {d.destination for d, e in pairs if e.created}
                    return _Applied(
                        RoutingOutcome.DEAD,
                        reason,
                        destinations=tuple(sorted(fresh)),
                        deliveries=len(deliveries),
                    )
                case Hold(why=why):
                    return _Applied(RoutingOutcome.HELD, why)
        except IllegalTransition as exc:
            # Moved meanwhile (an operator): where its last transaction left it is all.
            return _Applied(RoutingOutcome.SKIPPED, str(exc))
        raise TypeError(f"{self.flow}: decide returned {decision!r}")

    def _after(self, document_id: int, applied: _Applied) -> RoutingOutcome:
        fields = {"flow": self.flow, "document_id": document_id}
        match applied.outcome:
            case RoutingOutcome.ROUTED:
                self.held.pop(document_id, None)
                log.info("document_routed", **fields, deliveries=applied.deliveries)
            case RoutingOutcome.DEAD:
                self.held.pop(document_id, None)
                self.last_refusal = applied.detail
                log.info(
                    "document_refused", **fields, reason=applied.detail,
                    deliveries=applied.deliveries,
                )  # fmt: skip
            case RoutingOutcome.HELD:
                self.held[document_id] = applied.detail or ""
                log.info("document_held", **fields, why=applied.detail)
            case RoutingOutcome.SKIPPED if applied.detail:
                log.warning("document_moved", **fields, why=applied.detail)
        if self.notify is not None:
            for destination in applied.destinations:
                self.notify(destination)
        self.counts[applied.outcome.value] += 1
        return applied.outcome

    def status(self) -> dict[str, Any]:
        return {
            "workflow": self.flow,
            "counts": dict(self.counts),
            "held": len(self.held),
            "last_refusal": self.last_refusal,
        }


WorkflowMessage = DocumentReady | GetWorkflowStatus | _Rehydrate | _Tick


class WorkflowActor(Actor[WorkflowMessage, Any]):
    """One incarnation: rehydrates through its own mailbox, then decides what it is told.

    ``tick`` (seconds, work) runs ``work()`` every that many seconds through the mailbox
    (never two at once, never beside a decision): a flow's scheduled batch. With a
    ``nursery`` the actor also rehydrates every ``rehydrate_every`` seconds (default
    :attr:`rehydrate_interval`), so documents another process made ``new`` (``crossdock
    documents replay`` on the store file) are decided without anyone telling it. The
    timers run in ``nursery`` (one that outlives the incarnations); each ``on_stop`` ends
    its own. Without a nursery there are no timers (unit tests drive the actor by hand).
    """

    rehydrate_interval: float = 30.0
    """Seconds between periodic rehydrations: how long a CLI replay waits at most."""

    def __init__(
        self,
        flow: DocumentWorkflow,
        *,
        tick: tuple[float, Callable[[], Awaitable[Any]]] | None = None,
        nursery: trio.Nursery | None = None,
        rehydrate_every: float | None = None,
    ) -> None:
        self.flow = flow
        self.tick = tick
        self.nursery = nursery
        self.rehydrate_every = (
            self.rehydrate_interval if rehydrate_every is None else rehydrate_every
        )
        self._timers: list[trio.CancelScope] = []
        self._rehydrate_queued = False
        self._rehydrations = 0

    async def on_start(self) -> None:
        if self.nursery is not None:
            if self.tick is not None and math.isfinite(self.tick[0]):
                self._start_timer(self.nursery, self.tick[0], self._tell_tick)
            if math.isfinite(self.rehydrate_every) and self.rehydrate_every > 0:
                self._start_timer(self.nursery, self.rehydrate_every, self._tell_rehydrate)
        if not self._tell_rehydrate():
            log.warning("workflow_rehydrate_deferred", workflow=self.flow.flow)

    async def on_stop(self) -> None:
        for timer in self._timers:
            timer.cancel()

    def _start_timer(self, nursery: trio.Nursery, interval: float, due: Callable[[], Any]) -> None:
        scope = trio.CancelScope()  # one per timer: a scope is entered once
        self._timers.append(scope)
        nursery.start_soon(self._run_timer, scope, interval, due)

    async def _run_timer(
        self, scope: trio.CancelScope, interval: float, due: Callable[[], Any]
    ) -> None:
        with scope:
            while True:
                await trio.sleep(interval)
                try:
                    due()
                except ActorStopped:
                    return

    def _tell_tick(self) -> None:
        try:
            self.ref.tell_nowait(_Tick())
        except MailboxFull:  # a tick is already due behind the busy mailbox
            log.debug("workflow_tick_skipped", workflow=self.flow.flow)

    def _tell_rehydrate(self) -> bool:
        """Queue one rehydration unless one is queued already; False if the mailbox is full
        (the next interval, or the ``DocumentReady`` messages filling it, do the work)."""
        if self._rehydrate_queued:
            return True
        try:
            self.ref.tell_nowait(_Rehydrate())
        except MailboxFull:
            return False
        self._rehydrate_queued = True
        return True

    async def receive(self, message: WorkflowMessage) -> Any:
        match message:
            case DocumentReady(document_id=document_id):
                return await self.flow.handle(document_id)
            case _Rehydrate():
                self._rehydrate_queued = False  # what is made `new` from now on: next one
                moved = await self.flow.process_pending()
                self._rehydrations += 1
                # The first after start always; a periodic one only when it found work, or
                # the journal would say "nothing" twice a minute per flow.
                if moved or self._rehydrations == 1:
                    log.info("workflow_rehydrated", workflow=self.flow.flow, documents=moved)
                else:
                    log.debug("workflow_rehydrated", workflow=self.flow.flow, documents=moved)
                return moved
            case _Tick():
                if self.tick is not None:
                    return await self.tick[1]()
                return None
            case GetWorkflowStatus():
                return self.status()
            case _:
                raise TypeError(f"{self.flow.flow}: unexpected message {message!r}")

    def status(self) -> dict[str, Any]:
        return self.flow.status()
