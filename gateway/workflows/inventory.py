"""A 3PL's stock report (X12 846, EDIFACT INVRPT, CSV) sets Odoo's stock and feeds channels.

::

    flow = InventoryReports(store, config, notify=wake)
    await flow.handle(document_id)       # ApplyInventory per line + critical channel lines
    await flow.flush()                   # the tick: each channel's batch when it is due
    WorkflowActor(flow, tick=(flow.tick_interval, flow.flush), nursery=loops)

Where: the sending 3PL's ``warehouse`` (an Odoo warehouse code). The report's own
``warehouse`` and its lines' ``location`` are the 3PL's codes, kept in the stored document
for the record; a 3PL without ``warehouse`` is refused, naming the key to set.

Snapshots: one :class:`edge.odoo.ApplyInventory` per product (lines of one product summed:
a 3PL that reports two of its locations reports one Odoo warehouse), keyed
``idempotency_key(<3pl>, "odoo", "stock", <warehouse>, <sku or gtin>, <as_of>)``.
Watermarks keep an old file from overwriting newer stock: cursor
``inventory-watermark:<warehouse>:<sku or gtin>`` holds the ``as_of`` of the newest level
applied, and a line as old or older is skipped. A report whose every line is skipped is
routed with no deliveries (and the log says so).

Deltas (``snapshot`` false, X12 947 adjustments; :mod:`gateway.workflows._inventory_delta`):
one :class:`edge.odoo.AdjustInventory` per report, keyed
``idempotency_key(<3pl>, "odoo", "adjust", <report id>)``, applied in Odoo exactly once (a
picking to or from the inventory location, made with its external ID, then validated).
Watermarks are not moved by deltas, but a delta line dated at or before its product's
watermark is skipped (the snapshot already counted it); channels are not fed from deltas.

Channels (:mod:`gateway.workflows._stock_feed`): the levels applied reach every channel that
follows the warehouse, critical SKUs in the same transaction, the rest in batches.
Every write -- the ops, the watermarks, the critical files, the pending sets -- is made in the
report's one transaction, and only once nothing can refuse it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import trio

from actors import ChildSpec
from contracts import ConfigError, Flow, InventoryReport, ProductRef, RejectedInput, idempotency_key
from edge.odoo import ApplyInventory, ProductCode, WarehouseStock
from gateway.config import Config, PartnerConfig
from gateway.log import get_logger
from gateway.outbound_docs import partner_delivery
from gateway.store import DocumentRecord, NewDelivery, Store, Tx
from gateway.workflows._base import (
    Decide,
    Decision,
    DocumentWorkflow,
    Refuse,
    Route,
    WorkflowActor,
)
from gateway.workflows._inventory_delta import decide_delta, lines_by_product, watermark_cursor
from gateway.workflows._lines import decode_as, odoo_delivery, partner_of
from gateway.workflows._stock_feed import (
    FeedLine,
    channel_line,
    drop_superseded,
    feed_channels,
    flush_pending,
    follows,
    is_critical,
    load_pending,
    merge_pending,
    save_pending,
    utc,
)
from gateway.workflows._tree import WorkflowContext, workflow_name

__all__ = [
    "INVENTORY_DOC_TYPE",
    "InventoryReports",
    "decide_inventory",
    "inventory_child",
    "watermark_cursor",
]

INVENTORY_DOC_TYPE = "inventory_report"
FLOW = str(Flow.INVENTORY)
log = get_logger("crossdock.workflows.inventory")


@dataclass
class _Level:
    key: str
    """SKU, or GTIN when the line has no SKU: the watermark's and the pending set's key."""
    product: ProductRef
    on_hand: Decimal
    available: Decimal | None
    unit: str


def _levels(report: InventoryReport) -> list[_Level] | str:
    """One level per product, in first-seen order, or the refusal naming the line."""
    groups = lines_by_product(
        report, "on_hand", "no on-hand quantity, the level Odoo's stock is set to"
    )
    if isinstance(groups, str):
        return groups
    levels: list[_Level] = []
    for key, (first, *rest) in groups.items():
        assert first.on_hand is not None  # lines_by_product refused the lines without
        level = _Level(key, first.product, first.on_hand, first.available, first.unit)
        for line in rest:
            assert line.on_hand is not None
            level.on_hand += line.on_hand
            if line.available is not None:
                level.available = (level.available or Decimal(0)) + line.available
        levels.append(level)
    return levels


Keyed = list[tuple[str, FeedLine]]
_Batch = tuple[str, Keyed, Keyed]
"""A channel, the lines it was sent at once, the lines for its next batch."""


def _fresh(tx: Tx, warehouse: str, as_of: datetime, levels: list[_Level]) -> list[_Level]:
    """The levels newer than their watermark (an old file never overwrites newer stock)."""
    fresh = []
    for level in levels:
        mark = tx.get_cursor(watermark_cursor(warehouse, level.key))
        if mark is None or utc(datetime.fromisoformat(mark)) < utc(as_of):
            fresh.append(level)
    return fresh


def _feeds(
    tx: Tx,
    config: Config,
    document: DocumentRecord,
    report: InventoryReport,
    warehouse: str,
    fresh: list[_Level],
) -> tuple[list[NewDelivery], list[_Batch]]:
    """Critical files to send now and, per channel, (lines sent now, lines to batch)."""
    deliveries: list[NewDelivery] = []
    batches: list[_Batch] = []
    for channel in feed_channels(config):
        if not follows(channel, warehouse):
            continue
        now: Keyed = []
        later: Keyed = []
        for level in fresh:
            line = channel_line(
                level.product, warehouse, level.on_hand, level.available, level.unit
            )
            item = (f"{warehouse}|{level.key}", FeedLine(report.as_of, line))
            (now if is_critical(channel, level.product) else later).append(item)
        if now:
            critical = InventoryReport(
                report_id=report.report_id,
                as_of=report.as_of,
                lines=[line.line for _, line in now],
                warehouse=warehouse,
            )
            deliveries.append(
                partner_delivery(
                    tx,
                    config,
                    channel.id,
                    critical,
                    key=f"stockfeed:{channel.id}:{document.idempotency_key}",
                    name=f"stock-{document.document_id}",
                    flow=FLOW,
                    when=datetime.fromtimestamp(tx.now, UTC),
                )
            )
        batches.append((channel.id, now, later))
    return deliveries, batches


def _warehouse(partner: PartnerConfig) -> str | Refuse:
    if partner.warehouse is None:
        return Refuse(
            f'partner {partner.id!r} has no warehouse: set warehouse = "<code>" in its '
            "[[partners]] entry (the Odoo warehouse its stock reports are applied to)"
        )
    return partner.warehouse


def decide_inventory(config: Config, max_attempts: int) -> Decide:
    """The inventory decision over a stored document (see the module docs)."""

    def decide(tx: Tx, document: DocumentRecord) -> Decision:
        partner = partner_of(document, config)
        if isinstance(partner, str):
            return Refuse(partner)
        report = decode_as(document, InventoryReport)
        if isinstance(report, str):
            return Refuse(report)
        warehouse = _warehouse(partner)
        if isinstance(warehouse, Refuse):
            return warehouse
        if not report.snapshot:
            return decide_delta(
                tx,
                document,
                report,
                partner=partner.id,
                warehouse=warehouse,
                flow=FLOW,
                max_attempts=max_attempts,
            )
        levels = _levels(report)
        if isinstance(levels, str):
            return Refuse(levels)
        fresh = _fresh(tx, warehouse, report.as_of, levels)
        if not fresh:
            log.info(
                "inventory_report_stale",
                partner=document.partner,
                document_id=document.document_id,
                report=report.report_id,
                as_of=report.as_of.isoformat(),
                lines=len(levels),
            )
            return Route([])
        try:
            feeds, batches = _feeds(tx, config, document, report, warehouse, fresh)
        except (ConfigError, RejectedInput) as exc:
            return Refuse(f"stock feed of report {report.report_id}: {exc}")
        # Nothing can refuse from here on: record the watermarks and the pending sets.
        as_of = report.as_of.isoformat()
        deliveries: list[NewDelivery] = []
        for level in fresh:
            tx.set_cursor(watermark_cursor(warehouse, level.key), as_of)
            op = ApplyInventory(
                product=_code(level.product),
                location=WarehouseStock(warehouse=warehouse),
                quantity=float(level.on_hand),
            )
            key = idempotency_key(partner.id, "odoo", "stock", warehouse, level.key, as_of)
            deliveries.append(
                odoo_delivery(document, op, key=key, flow=FLOW, max_attempts=max_attempts)
            )
        for channel, now, later in batches:
            pending = load_pending(tx, channel)
            save_pending(tx, channel, merge_pending(drop_superseded(pending, now), later))
        return Route(deliveries + feeds)

    return decide


def _code(product: ProductRef) -> ProductCode:
    return ProductCode(barcode=product.gtin, default_code=product.sku)


class InventoryReports(DocumentWorkflow):
    """Inventory reports over the store, and the channels' batches (``workflow:inventory``).

    ``clock`` (trio's by default) times the batches: a channel is flushed at the first tick
    at least its ``batch_interval`` after its last flush (or after this object was made).
    """

    def __init__(
        self,
        store: Store,
        config: Config,
        *,
        notify: Callable[[str], None] | None = None,
        clock: Callable[[], float] = trio.current_time,
    ) -> None:
        self.config = config
        self.clock = clock
        self.channels = feed_channels(config)
        started = clock()
        self.last_flush = {c.id: started for c in self.channels}
        super().__init__(
            Flow.INVENTORY,
            decide_inventory(config, config.odoo.retry.max_attempts),
            store,
            notify=notify,
            doc_types=frozenset({INVENTORY_DOC_TYPE}),
        )

    @property
    def tick_interval(self) -> float | None:
        """The smallest ``batch_interval`` of all channels (None: no channel, no tick)."""
        return min(
            (c.stock_feed.batch_interval for c in self.channels if c.stock_feed), default=None
        )

    def due(self) -> list[str]:
        now = self.clock()
        return [
            c.id
            for c in self.channels
            if c.stock_feed is not None
            and now - self.last_flush[c.id] >= c.stock_feed.batch_interval - 1e-9
        ]

    async def flush(self, *, every: bool = False) -> list[str]:
        """Send each due channel's pending set (``every``: all channels); returns the
        channels a file went to. One transaction for all of them."""
        channels = [c.id for c in self.channels] if every else self.due()
        if not channels:
            return []
        started = self.clock()

        def send(tx: Tx) -> list[str]:
            sent = []
            for channel in channels:
                try:
                    if flush_pending(tx, self.config, channel, flow=FLOW) is not None:
                        sent.append(channel)
                except (ConfigError, RejectedInput) as exc:
                    # The set stays pending; the operator sees why on every tick.
                    log.error("stock_feed_not_sent", partner=channel, reason=str(exc))
            return sent

        sent = await self.store.transact(send)
        for channel in channels:
            self.last_flush[channel] = started
        for channel in sent:
            log.info("stock_feed_sent", partner=channel)
            if self.notify is not None:
                self.notify(f"partner:{channel}")
        return sent


def inventory_child(ctx: WorkflowContext) -> ChildSpec | None:
    """The tree's child, when a 3PL (who reports stock) is configured; it ticks when a
    channel takes a stock feed."""
    if not any(p.role == "3pl" for p in ctx.config.partners):
        return None
    flow = InventoryReports(ctx.store, ctx.config, notify=ctx.notify)
    interval = flow.tick_interval
    tick = None if interval is None else (interval, flow.flush)
    return ChildSpec(
        workflow_name(Flow.INVENTORY),
        lambda: WorkflowActor(flow, tick=tick, nursery=ctx.nursery),
        mailbox_capacity=1000,
    )
