"""A partner's outbound loop: files in the outbox for ``partner:<id>`` reach the partner.

::

    outbound = PartnerOutbound(store, "acme-retail", file_deliverer(config, "acme-retail"),
                               retry=retry_policy(partner.retry), breaker=endpoint.breaker)
    await nursery.start(outbound.run)       # claims, delivers, acks; until cancelled
    outbound.nudge()                         # rows were enqueued: claim now

Each claimed row's payload is an :class:`gateway.intake.OutboundFile`. Where it goes is the
partner's channel: a partner with an ``sftp-drop`` channel reads its ``outbox/`` folder on
our server (written atomically: hidden name, fsync, rename); a partner polled over
``sftp-poll`` gets it uploaded to its ``upload_dir`` (temporary name, rename, idempotent on
the row's key). A partner with neither has no way to receive files: its rows become dead
letters at once, with that reason, rather than waiting forever.

Success acks the row (fenced on this loop's claim token). A ``TransientFailure`` (the
partner's server unreachable, its breaker open) or an ``OSError`` writing our own disk fails
the row as ``retryable`` at a time from the partner's retry policy; anything refused for
good (``DeliveryRejected``, ``RejectedInput``, a payload that does not decode, a file name
the drop tree refuses) fails it as ``dead``. The loop sleeps until it is nudged, until the
earliest retry falls due, or for ``idle_poll`` seconds, whichever comes first.

Why a task beside the actor (as the Odoo delivery does): an upload can take seconds and the
actor's mailbox must keep answering ``FileArrived`` and status asks meanwhile.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable

import msgspec
import trio

from actors import CircuitBreaker, CircuitOpen, RetryPolicy
from contracts.errors import DeliveryRejected, RejectedInput, TransientFailure
from edge.sftp import upload
from gateway.config import Config, SftpDropChannel, SftpPollChannel
from gateway.delivery_ports import new_claim_token
from gateway.intake import OutboundFile, decode_outbound_file
from gateway.log import get_logger
from gateway.sftp_intake import drop_tree, partner_server
from gateway.store import Delivery, ErrorInfo, StaleClaim, Store

__all__ = ["FileDeliverer", "PartnerOutbound", "file_deliverer"]

log = get_logger("crossdock.outbound")

FileDeliverer = Callable[[OutboundFile, str], Awaitable[None]]
"""``deliver(file, idempotency_key)``: put the file where the partner reads it, or raise."""

FAILBACK_TIMEOUT = 2.0
"""Seconds a cancelled loop may spend handing its delivery in flight back as due now."""


def file_deliverer(config: Config, partner_id: str) -> FileDeliverer:
    """How files reach this partner: its drop folder, its own server, or nowhere."""
    partner = config.partner(partner_id)
    if any(isinstance(c, SftpDropChannel) for c in partner.channels):
        tree = drop_tree(config)

        async def to_outbox(file: OutboundFile, key: str) -> None:
            try:
                await tree.write_outbox_file(partner_id, file.name, file.data)
            except ValueError as exc:  # a name the jail refuses: never deliverable
                raise DeliveryRejected(str(exc), partner=partner_id, file=file.name) from None

        return to_outbox
    poll = next((c for c in partner.channels if isinstance(c, SftpPollChannel)), None)
    if poll is not None:
        upload_dir, hidden = poll.upload_dir, poll.upload_temp == "hidden"

        async def to_server(file: OutboundFile, key: str) -> None:
            server = partner_server(config, partner_id)
            await upload(server, upload_dir, file.name, file.data, key, hidden=hidden)

        return to_server

    async def nowhere(file: OutboundFile, key: str) -> None:
        raise DeliveryRejected(
            f"partner {partner_id} has no sftp-drop or sftp-poll channel to receive "
            f"{file.name} through",
            partner=partner_id,
        )

    return nowhere


class PartnerOutbound:
    """The loop delivering ``partner:<id>`` outbox rows; one per endpoint actor incarnation."""

    def __init__(
        self,
        store: Store,
        partner: str,
        deliver: FileDeliverer,
        *,
        retry: RetryPolicy,
        breaker: CircuitBreaker | None = None,
        batch: int = 20,
        idle_poll: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.partner = partner
        self.destination = f"partner:{partner}"
        self.claim_token = new_claim_token(self.destination)
        self._deliver = deliver
        self._retry = retry
        self._breaker = breaker
        self._batch = batch
        self._idle_poll = idle_poll
        self._rng = rng or random.Random()
        self._wake = trio.Event()
        self._next_due: float | None = None
        self.delivered = 0
        self.failed = 0
        self.last_error: str | None = None

    def nudge(self) -> None:
        """Claim now rather than at the next idle poll."""
        self._wake.set()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Claim, deliver and settle until cancelled."""
        task_status.started()
        while True:
            self._wake = trio.Event()
            self._next_due = None
            rows = await self.store.claim(self.destination, self._batch, self.claim_token)
            for row in rows:
                await self._one(row)
            if len(rows) == self._batch:
                continue  # more may be waiting
            wait = self._idle_poll
            if self._next_due is not None:
                wait = min(wait, max(0.0, self._next_due - self.store.clock()))
            with trio.move_on_after(wait):
                await self._wake.wait()

    async def _one(self, row: Delivery) -> None:
        fields = {"partner": self.partner, "outbox_id": row.outbox_id}
        try:
            try:
                file = decode_outbound_file(row.payload)
            except msgspec.DecodeError as exc:
                raise DeliveryRejected(f"not a file delivery: {exc}") from None
            if self._breaker is None:
                await self._deliver(file, row.idempotency_key)
            else:
                async with self._breaker.guard(is_failure=_counts):
                    await self._deliver(file, row.idempotency_key)
        except trio.Cancelled:
            # Hand the row back as due now, so a restart does not wait for the rescuer.
            with trio.move_on_after(FAILBACK_TIMEOUT, shield=True):
                await self._settle(row, ErrorInfo(error_class="Interrupted", message="cut"), 0.0)
            raise
        except (TransientFailure, CircuitOpen, OSError) as exc:
            delay = self._retry.delay(row.attempts, self._rng, exc)
            due = self.store.clock() + delay
            self._next_due = due if self._next_due is None else min(self._next_due, due)
            self._note(exc, **fields, retry_in_s=round(delay, 3))
            await self._settle(row, ErrorInfo.from_exception(exc), delay)
            return
        except (DeliveryRejected, RejectedInput) as exc:
            self._note(exc, **fields, dead=True)
            await self._settle(row, ErrorInfo.from_exception(exc), None)
            return
        try:
            await self.store.ack(row.outbox_id, self.claim_token, file.name)
        except StaleClaim:
            log.warning("outbound_ack_stale", **fields, file=file.name)
            return
        self.delivered += 1
        log.info("outbound_delivered", **fields, file=file.name, bytes=len(file.data))

    def _note(self, exc: Exception, **fields: object) -> None:
        self.failed += 1
        self.last_error = str(exc)
        log.warning("outbound_failed", **fields, error=type(exc).__name__, why=str(exc))

    async def _settle(self, row: Delivery, error: ErrorInfo, delay: float | None) -> None:
        retry_at = None if delay is None else self.store.clock() + delay
        try:
            await self.store.fail(row.outbox_id, self.claim_token, error, retry_at)
        except StaleClaim:
            log.warning("outbound_fail_stale", partner=self.partner, outbox_id=row.outbox_id)

    def status(self) -> dict[str, object]:
        return {
            "claim": self.claim_token,
            "delivered": self.delivered,
            "failed": self.failed,
            "last_error": self.last_error,
        }


def _counts(error: BaseException) -> bool:
    """Only transient failures count towards the partner's breaker."""
    return isinstance(error, TransientFailure)
