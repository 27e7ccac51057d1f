"""What every workflow shares (gateway.workflows._base), on a real store file: decisions are
recorded with their deliveries in one transaction, loops are woken once per destination,
nothing but a ``new`` document of the flow moves, a decide bug dead-letters one document
instead of crash-looping, rehydration pages through every ``new`` document, and ticks run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
import trio

from actors import ChildSpec, Supervisor
from gateway.store import (
    ConstraintViolation,
    DocumentRecord,
    DocumentState,
    NewDelivery,
    NewDocument,
    Store,
    Tx,
    open_store,
)
from gateway.workflows import (
    DocumentReady,
    DocumentWorkflow,
    GetWorkflowStatus,
    Hold,
    Refuse,
    Route,
    RoutingOutcome,
    WorkflowActor,
)

FLOW = "shipment_confirmation"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with open_store(str(tmp_path / "store.db")) as store:
        yield store


async def _document(store: Store, n: int, *, flow: str = FLOW, body: str = "{}") -> int:
    inserted = await store.insert_document(
        NewDocument(
            idempotency_key=f"doc-{flow}-{n}",
            partner="north-3pl",
            flow=flow,
            doc_type="shipment_confirmation",
            body=body.encode(),
            config_version="test",
        )
    )
    return inserted.row_id


def _delivery(key: str, destination: str) -> NewDelivery:
    return NewDelivery(
        idempotency_key=key,
        destination=destination,
        partner="north-3pl",
        flow=FLOW,
        payload=b"{}",
        correlation_key=key.rpartition(":")[0],
    )


def _by_body(tx: Tx, document: DocumentRecord) -> Route | Refuse | Hold:
    body = document.body if isinstance(document.body, str) else document.body.decode()
    if "refuse" in body:
        return Refuse("line 1 ($.lines[0].product): no GTIN or SKU")
    if "hold" in body:
        return Hold("waiting for part 2 of WH/OUT/00001")
    if "boom" in body:
        raise ZeroDivisionError("a bug")
    return Route(
        [
            _delivery(f"odoo:{document.document_id}", "odoo"),
            _delivery(f"p:{document.document_id}:1", "partner:acme"),
            _delivery(f"p:{document.document_id}:2", "partner:acme"),
        ]
    )


async def test_a_route_enqueues_every_delivery_and_wakes_each_destination_once(
    store: Store,
) -> None:
    woken: list[str] = []
    flow = DocumentWorkflow(FLOW, _by_body, store, notify=woken.append)
    doc = await _document(store, 1)
    assert await flow.handle(doc) is RoutingOutcome.ROUTED
    assert sorted(woken) == ["odoo", "partner:acme"]
    record = await store.get_document(doc)
    assert record is not None and record.state is DocumentState.ROUTED
    odoo = await store.find_deliveries("odoo")
    acme = await store.find_deliveries(f"p:{doc}")
    assert [d.destination for d in odoo] == ["odoo"]
    assert [d.destination for d in acme] == ["partner:acme", "partner:acme"]
    assert {d.document_id for d in odoo + acme} == {doc}
    # Told again: nothing moves, nobody is woken.
    assert await flow.handle(doc) is RoutingOutcome.SKIPPED
    assert len(woken) == 2


async def test_refuse_hold_and_a_bug_each_leave_the_document_where_they_should(
    store: Store,
) -> None:
    flow = DocumentWorkflow(FLOW, _by_body, store)
    refused = await _document(store, 1, body='"refuse"')
    held = await _document(store, 2, body='"hold"')
    buggy = await _document(store, 3, body='"boom"')
    assert await flow.handle(refused) is RoutingOutcome.DEAD
    assert await flow.handle(held) is RoutingOutcome.HELD
    assert await flow.handle(buggy) is RoutingOutcome.DEAD
    states = {d: await store.get_document(d) for d in (refused, held, buggy)}
    assert states[refused] is not None and states[refused].reason is not None
    assert "no GTIN or SKU" in states[refused].reason
    assert states[held] is not None and states[held].state is DocumentState.NEW
    assert states[buggy] is not None and states[buggy].reason is not None
    assert "ZeroDivisionError: a bug" in states[buggy].reason
    status = flow.status()
    assert status["counts"]["dead"] == 2 and status["held"] == 1


async def test_a_refusal_enqueues_its_deliveries_with_the_kill_and_wakes_once(
    store: Store,
) -> None:
    def refuse_and_tell(tx: Tx, document: DocumentRecord) -> Refuse:
        ack = _delivery(f"ack:{document.idempotency_key}", "partner:acme")
        return Refuse("line 1 ($.lines[0].product): no GTIN or SKU", deliveries=[ack])

    woken: list[str] = []
    flow = DocumentWorkflow(FLOW, refuse_and_tell, store, notify=woken.append)
    doc = await _document(store, 1)
    assert await flow.handle(doc) is RoutingOutcome.DEAD
    assert woken == ["partner:acme"]
    record = await store.get_document(doc)
    assert record is not None and record.state is DocumentState.DEAD
    [ack] = await store.find_deliveries("ack")
    assert (ack.destination, ack.document_id) == ("partner:acme", doc)  # linked to the order
    # A replay refused again finds the key: still one delivery, nobody woken.
    await store.transact(lambda tx: tx.replay_document(doc, who="test"))
    assert await flow.handle(doc) is RoutingOutcome.DEAD
    assert woken == ["partner:acme"]
    assert len(await store.find_deliveries("ack")) == 1


async def test_a_refusal_whose_delivery_cannot_be_stored_kills_nothing(store: Store) -> None:
    # The kill and the enqueue are one transaction: if the enqueue fails, the kill is undone.
    def refuse_badly(tx: Tx, document: DocumentRecord) -> Refuse:
        good = _delivery("ack:1", "partner:acme")
        bad = msgspec.structs.replace(good, idempotency_key="ack:2", destination="")
        return Refuse("no", deliveries=[good, bad])  # the schema refuses an empty destination

    flow = DocumentWorkflow(FLOW, refuse_badly, store)
    doc = await _document(store, 1)
    with pytest.raises(ConstraintViolation, match="CHECK constraint"):
        await flow.handle(doc)
    record = await store.get_document(doc)
    assert record is not None and record.state is DocumentState.NEW


async def test_documents_of_other_flows_are_left_alone(store: Store) -> None:
    flow = DocumentWorkflow(FLOW, _by_body, store)
    other = await _document(store, 1, flow="inventory")
    assert await flow.handle(other) is RoutingOutcome.SKIPPED
    assert await flow.handle(99_999) is RoutingOutcome.SKIPPED
    record = await store.get_document(other)
    assert record is not None and record.state is DocumentState.NEW


async def test_rehydration_pages_through_every_new_document_of_the_flow(store: Store) -> None:
    flow = DocumentWorkflow(FLOW, _by_body, store)
    ids = [await _document(store, n) for n in range(7)]
    await _document(store, 99, flow="inventory")
    assert await flow.process_pending(batch=2) == 7
    for doc in ids:
        record = await store.get_document(doc)
        assert record is not None and record.state is DocumentState.ROUTED
    assert await flow.process_pending(batch=2) == 0


async def test_the_actor_rehydrates_then_decides_what_it_is_told(store: Store) -> None:
    waiting = await _document(store, 1)
    flow = DocumentWorkflow(FLOW, _by_body, store)
    async with trio.open_nursery() as nursery:
        supervisor = Supervisor("root", [ChildSpec("workflow", lambda: WorkflowActor(flow))])
        await nursery.start(supervisor.run)
        ref = supervisor.ref("workflow")
        status = await ref.ask(GetWorkflowStatus())
        assert status["counts"]["routed"] == 1  # rehydrated before the ask was answered
        later = await _document(store, 2)
        assert await ref.ask(DocumentReady(later)) is RoutingOutcome.ROUTED
        nursery.cancel_scope.cancel()
    record = await store.get_document(waiting)
    assert record is not None and record.state is DocumentState.ROUTED


class _EmptyStore:
    async def list_documents(self, *args: object, **kwargs: object) -> list[DocumentRecord]:
        return []


async def test_ticks_run_through_the_mailbox_every_interval_and_stop_with_the_actor(
    autojump_clock: trio.testing.MockClock,
) -> None:
    ticks: list[float] = []

    async def tick() -> None:
        ticks.append(trio.current_time())

    flow = DocumentWorkflow(FLOW, _by_body, _EmptyStore())  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        supervisor = Supervisor(
            "root",
            [
                ChildSpec(
                    "workflow", lambda: WorkflowActor(flow, tick=(10.0, tick), nursery=nursery)
                )
            ],
        )
        async with trio.open_nursery() as inner:
            await inner.start(supervisor.run)
            start = trio.current_time()
            await trio.sleep(35)
            assert [round(t - start) for t in ticks] == [10, 20, 30]
            inner.cancel_scope.cancel()
        await trio.sleep(50)  # the actor is gone: its timer is too
        assert len(ticks) == 3
