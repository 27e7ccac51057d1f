"""Step 2 of DESIGN.md's walk of one order: a received file becomes documents and an ack.

::

    intake = PartnerIntake(store, config, "acme-retail")
    outcome = await intake.process(inbound_id)      # idempotent: only `received` rows move
    await intake.process_pending()                  # every `received` row (rehydration)

For one inbound row in state ``received``:

1. The bytes are examined in a worker thread (``gateway.intake_parse.examine``): sniffed,
   parsed, validated against the grammars and mapped with the partner's profile, or read
   with the partner's flat-file layouts.
2. For EDI, our acknowledgement's control numbers are taken from a per-partner counter in
   the store's cursors (``ack-control:<partner>``), advanced in the same transaction that
   records the file and enqueues the ack (the ack is built there: one commit per file), so
   a number is never handed out twice and is spent only with the ack that carries it.
   Numbers run from 1 to 999 999 999 (the width of ISA13) and then start again at 1.
3. One store call records the result: ``record_parsed`` (row ``parsed``, one document per
   message, the ack enqueued for ``partner:<id>``), ``record_rejected`` (row ``rejected``
   with the reason and its position, the negative ack enqueued), or, when the interchange
   control reference was seen before, ``mark_inbound_duplicate`` naming the earlier file
   (no ack: the earlier file was answered).
4. After ``record_parsed`` committed, ``on_document(document_id, flow)`` (if given) tells
   the flow's workflow ``DocumentReady`` for each stored document (``gateway.workflows``).

Ack files are named ``<original name>.<inbound id>.<ext>`` with ``ext`` ``contrl``, ``997``,
``999`` (or ``997-999``): the partner finds the answer to a file by its name, and the
inbound id keeps a re-sent name from replacing an answer the partner has not fetched yet.
Flat files get no acknowledgement (no standard exists; partners read ``rejected/``).

The ack is enqueued as an :class:`OutboundFile` (file name and bytes, JSON) under the key
``<partner>:ack:<inbound id>``; ``gateway.intake_outbound`` delivers it.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from datetime import UTC, datetime

import msgspec
import trio

from contracts import Flow, idempotency_key
from edge.edi import EdiSyntax
from edge.edi.mapping import MappingProfile
from edge.flatfile import FlatLayout
from gateway.config import Config
from gateway.intake_parse import Examined, ack_extension, build_ack, examine
from gateway.log import get_logger
from gateway.profiles import partner_profile
from gateway.store import (
    DuplicateInbound,
    IllegalTransition,
    InboundRecord,
    InboundState,
    Inserted,
    NewDelivery,
    NewDocument,
    Store,
    Tx,
)

__all__ = [
    "ACK_NUMBER_LIMIT",
    "IntakeOutcome",
    "OutboundFile",
    "PartnerIntake",
    "ack_cursor",
    "allocate_ack_numbers",
    "decode_outbound_file",
]

log = get_logger("crossdock.intake")

ACK_NUMBER_LIMIT = 999_999_999
"""The largest control number we send (ISA13 has nine digits); then 1 again."""


class IntakeOutcome(enum.StrEnum):
    """What processing one inbound row did."""

    PARSED = "parsed"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"
    """The row was not ``received`` (already processed, or gone): nothing was done."""


class OutboundFile(msgspec.Struct, frozen=True):
    """The payload of a file delivery to a partner: what to call it and what it holds."""

    name: str
    data: bytes


_decode_file = msgspec.json.Decoder(OutboundFile).decode


def decode_outbound_file(payload: bytes) -> OutboundFile:
    """The :class:`OutboundFile` of an outbox row's payload (``msgspec.DecodeError`` if not)."""
    return _decode_file(payload)


def ack_cursor(partner: str) -> str:
    return f"ack-control:{partner}"


def allocate_ack_numbers(tx: Tx, partner: str, count: int) -> int:
    """Reserve ``count`` consecutive control numbers; returns the first. One transaction."""
    last = int(tx.get_cursor(ack_cursor(partner)) or 0)
    first = last + 1
    if first + count - 1 > ACK_NUMBER_LIMIT:
        first = 1
    tx.set_cursor(ack_cursor(partner), str(first + count - 1))
    return first


class PartnerIntake:
    """One partner's intake: its profile and layouts, the store, the config version."""

    def __init__(
        self,
        store: Store,
        config: Config,
        partner: str,
        *,
        on_document: Callable[[int, str], None] | None = None,
    ) -> None:
        self.store = store
        # Told each stored document's id after record_parsed committed (the workflow's
        # DocumentReady); must not block. Documents that existed already are told too:
        # the workflow leaves alone what is not `new`.
        self.on_document = on_document
        self.partner = partner
        self.config_version = config.version
        self.profile: MappingProfile = partner_profile(config, partner)
        self.layouts: tuple[FlatLayout, ...] = config.partner(partner).layouts
        self.max_attempts = config.partner(partner).retry.max_attempts
        self.counts: dict[str, int] = {o.value: 0 for o in IntakeOutcome}
        self.last_error: str | None = None

    async def process_pending(self, *, batch: int = 100) -> int:
        """Process every ``received`` row of this partner, oldest first; returns how many."""
        done, after = 0, 0
        while True:
            rows = await self.store.read(
                functools.partial(self._received, limit=batch, after_id=after)
            )
            for row in rows:
                await self._process_row(row)
                done += 1
            if len(rows) < batch:
                return done
            after = rows[-1].inbound_id

    def _received(self, tx: Tx, *, limit: int, after_id: int) -> list[InboundRecord]:
        return tx.list_inbound(
            InboundState.RECEIVED, partner=self.partner, limit=limit, after_id=after_id
        )

    async def process(self, inbound_id: int) -> IntakeOutcome:
        """Process one row; a row not ``received`` (or not this partner's) is left alone."""
        row = await self.store.get_inbound(inbound_id)
        if row is None or row.partner != self.partner:
            log.warning("intake_unknown_row", partner=self.partner, inbound_id=inbound_id)
            return IntakeOutcome.SKIPPED
        return await self._process_row(row)

    async def _process_row(self, row: InboundRecord) -> IntakeOutcome:
        if row.state is not InboundState.RECEIVED:
            return IntakeOutcome.SKIPPED
        try:
            found = await trio.to_thread.run_sync(
                functools.partial(
                    examine,
                    row.raw,
                    row.source_ref,
                    partner=self.partner,
                    profile=self.profile,
                    layouts=self.layouts,
                    content_hash=row.content_hash,
                )
            )
        except Exception as bug:
            # Bad input is a RejectedInput inside `examine`; anything else is our bug. The
            # actor still crashes (the supervisor decides), but the row is set aside first,
            # or every restart would rehydrate the same file and crash again: one poison file
            # would stall the partner's intake for good. It stays replayable after the fix.
            await self.store.record_rejected(
                row.inbound_id,
                f"internal error while reading {row.source_ref}: {type(bug).__name__}: {bug} "
                "(a crossdock bug, not the partner's: replay the file once it is fixed)",
            )
            raise
        try:
            outcome = await self._record(row, found)
        except IllegalTransition as exc:
            # Someone else moved the row meanwhile (an operator, a second incarnation): the
            # row is where its last transaction left it, which is all that matters.
            log.warning(
                "intake_row_moved", partner=self.partner, inbound_id=row.inbound_id, why=str(exc)
            )
            return IntakeOutcome.SKIPPED
        self.counts[outcome.value] += 1
        return outcome

    def _acks(self, tx: Tx, row: InboundRecord, found: Examined) -> list[NewDelivery]:
        """The acknowledgement, numbered and built inside the transaction that records it
        (one commit per file; a number is spent only with the ack that carries it)."""
        if found.syntax is EdiSyntax.UNKNOWN or not found.outcomes:
            return []
        first = allocate_ack_numbers(tx, self.partner, len(found.outcomes))
        when = datetime.fromtimestamp(self.store.clock(), UTC).replace(microsecond=0)
        data = build_ack(found, first, when)
        if data is None:
            return []
        name = f"{row.source_ref}.{row.inbound_id}.{ack_extension(found)}"
        return [
            NewDelivery(
                idempotency_key=idempotency_key(self.partner, "ack", row.inbound_id),
                destination=f"partner:{self.partner}",
                partner=self.partner,
                flow=str(Flow.FUNCTIONAL_ACK),
                payload=msgspec.json.encode(OutboundFile(name, data)),
                max_attempts=self.max_attempts,
            )
        ]

    async def _record(self, row: InboundRecord, found: Examined) -> IntakeOutcome:
        fields = {"partner": self.partner, "inbound_id": row.inbound_id, "file": row.source_ref}
        if found.refused is not None:
            refused = found.refused

            def reject(tx: Tx) -> int:
                acks = self._acks(tx, row, found)
                tx.record_rejected(row.inbound_id, refused, acks)
                return len(acks)

            sent = await self.store.transact(reject)
            self.last_error = refused
            log.info("inbound_rejected", **fields, reason=refused, acks=sent)
            return IntakeOutcome.REJECTED
        documents = [
            NewDocument(
                idempotency_key=d.idempotency_key,
                partner=self.partner,
                flow=d.flow,
                doc_type=d.doc_type,
                body=d.body,
                config_version=self.config_version,
                inbound_id=row.inbound_id,
                correlation_key=d.correlation_key,
            )
            for d in found.documents
        ]

        def record(tx: Tx) -> tuple[list[Inserted], int]:
            acks = self._acks(tx, row, found)
            stored = tx.record_parsed(
                row.inbound_id, documents, acks, control_ref=found.control_ref
            )
            return stored, len(acks)

        try:
            inserted, sent = await self.store.transact(record)
        except DuplicateInbound as exc:
            earlier_id = exc.duplicate_of
            earlier = await self.store.get_inbound(earlier_id)
            name = earlier.source_ref if earlier is not None else "an earlier file"
            reason = (
                f"interchange {found.control_ref} was already received in {name} "
                f"(inbound {earlier_id})"
            )
            await self.store.mark_inbound_duplicate(
                row.inbound_id, earlier_id, reason, control_ref=found.control_ref
            )
            log.info("inbound_duplicate", **fields, duplicate_of=earlier_id, reason=reason)
            return IntakeOutcome.DUPLICATE
        if self.on_document is not None:
            for document, stored in zip(documents, inserted, strict=True):
                self.on_document(stored.row_id, document.flow)
        log.info(
            "inbound_parsed",
            **fields,
            documents=len(inserted),
            new_documents=sum(i.created for i in inserted),
            skipped_rows=found.skipped_rows,
            acks=sent,
        )
        return IntakeOutcome.PARSED
