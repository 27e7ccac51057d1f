"""The gateway's side of the webhook edge: the store-backed ``accept`` and the service.

::

    sink = StoreWebhookSink(store, on_file)          # accept(partner, event_id, body)
    app = webhook_app(config, sink)                  # edge.http.WebhookApp for the config
    url = await nursery.start(serve_gateway_webhooks, config, store, on_file)

A webhook body is received exactly like an SFTP file (step 1 of DESIGN.md's walk): one store
transaction inserts an ``inbound`` row (channel ``webhook``, ``source_ref`` the sender's
event id, or ``webhook-<sha256 prefix>`` without one) and the store finds duplicates as it
does for files -- the same content from the partner, or the same event id, which goes in as
the row's control reference (``webhook-event:<id>``, prefixed so that it can never collide
with an EDI interchange reference of the same partner). Only after that commit does the
sender get its 202; then ``on_file(partner, inbound_id)`` tells the partner's actor
``FileArrived``, which parses the row as JSON (``gateway.intake_parse``). A duplicate is
answered 200 with the earlier row and goes no further. If telling the actor fails, the body
is still received (the actor finds the row when it rehydrates), so the sender is not told
to send it again. A store that is closed or cannot write is a ``TransientFailure``: 503.
"""

from __future__ import annotations

import hashlib

import trio

from contracts.errors import TransientFailure
from edge.http import Accepted, WebhookApp, WebhookPartner, serve_webhooks
from gateway.config import Config, WebhookChannel
from gateway.log import get_logger
from gateway.sftp_intake import FileNotifier
from gateway.store import NewInbound, Store, StoreClosed, StoreUnavailable

__all__ = [
    "CHANNEL",
    "StoreWebhookSink",
    "has_webhooks",
    "serve_gateway_webhooks",
    "source_ref",
    "webhook_app",
    "webhook_partners",
]

CHANNEL = "webhook"
"""The inbound rows' ``channel``."""

log = get_logger("crossdock.webhooks")


def source_ref(event_id: str | None, body: bytes) -> str:
    """What the inbound row is filed under: the event id, or the body's hash prefix."""
    if event_id is not None:
        return event_id
    return f"webhook-{hashlib.sha256(body).hexdigest()[:16]}"


def _control_ref(event_id: str | None) -> str | None:
    return None if event_id is None else f"webhook-event:{event_id}"


class StoreWebhookSink:
    """``accept`` on the store: commit first, then tell the partner's actor."""

    def __init__(self, store: Store, on_file: FileNotifier | None = None) -> None:
        self._store = store
        self._on_file = on_file

    async def accept(self, partner: str, event_id: str | None, body: bytes) -> Accepted:
        item = NewInbound(
            partner=partner,
            channel=CHANNEL,
            source_ref=source_ref(event_id, body),
            raw=body,
            control_ref=_control_ref(event_id),
        )
        try:
            received = await self._store.receive_inbound(item)
        except (StoreClosed, StoreUnavailable) as exc:
            # StoreBusy is a StoreUnavailable and a TransientFailure already; the others
            # become one here, so the receiver answers 503 and the sender retries.
            raise TransientFailure(
                f"the store cannot take the webhook now: {exc.message}", partner=partner
            ) from exc
        fields = {"partner": partner, "event_id": event_id, "inbound_id": received.inbound_id}
        if received.duplicate_of is not None:
            log.info(
                "webhook_duplicate", **fields, duplicate_of=received.duplicate_of,
                reason=received.reason,
            )  # fmt: skip
            return Accepted(inbound_id=received.inbound_id, duplicate_of=received.duplicate_of)
        log.info("webhook_received", **fields, size=len(body))
        if self._on_file is not None:
            try:
                await self._on_file(partner, received.inbound_id)
            except Exception:
                # Committed already; the actor finds the row when it rehydrates. A 5xx now
                # would only make the sender post a duplicate.
                log.exception("webhook_notify_failed", **fields)
        return Accepted(inbound_id=received.inbound_id)


def webhook_partners(config: Config) -> dict[str, WebhookPartner]:
    """Every partner with a ``webhook`` channel: its secret and tolerance."""
    found: dict[str, WebhookPartner] = {}
    for partner in config.partners:
        for channel in partner.channels:
            if isinstance(channel, WebhookChannel):
                found[partner.id] = WebhookPartner(
                    secret=channel.secret.reveal(), tolerance=channel.tolerance
                )
    return found


def has_webhooks(config: Config) -> bool:
    """True when some partner has a ``webhook`` channel (then the receiver runs)."""
    return any(isinstance(c, WebhookChannel) for p in config.partners for c in p.channels)


def webhook_app(config: Config, sink: StoreWebhookSink) -> WebhookApp:
    return WebhookApp(webhook_partners(config), sink.accept, max_body=config.webhooks.max_body)


async def serve_gateway_webhooks(
    config: Config,
    store: Store,
    on_file: FileNotifier | None = None,
    *,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the receiver on ``[webhooks] bind`` until cancelled; reports its base URL."""
    app = webhook_app(config, StoreWebhookSink(store, on_file))
    await serve_webhooks(app, config.webhooks.bind, task_status=task_status)
