"""Channel stock feeds: the levels a 3PL reported, passed on to each sales channel.

A channel (a partner with ``[partners.stock_feed]`` and ``outbound.inventory_report``)
receives the lines of the Odoo warehouses it follows. Lines of its ``critical_skus`` go out
with the report that brought them (one file in the same transaction); the rest wait in a
pending set, cursor ``stock-feed:<channel>``, until the channel's next batch::

    {"seq": 3, "lines": {"WH|WID-001": {"as_of": "...", "line": {...InventoryLine...}}}}

Per warehouse and product the newest line wins and an older one never replaces a newer one,
whatever order reports arrive in (a 3PL's late file must not undo a level already queued).
:func:`flush_pending` sends the whole set as ONE report and empties it, in one transaction:
a batch is never half sent, and ``seq`` numbers the batches (their outbox keys).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

import msgspec

from contracts import InventoryLine, InventoryReport, ProductRef
from gateway.config import Config, PartnerConfig
from gateway.outbound_docs import partner_delivery
from gateway.store import NewDelivery, Tx

__all__ = [
    "FeedLine",
    "Pending",
    "batch_report",
    "channel_line",
    "drop_superseded",
    "feed_channels",
    "flush_pending",
    "follows",
    "is_critical",
    "load_pending",
    "merge_pending",
    "pending_cursor",
    "save_pending",
    "utc",
]


class FeedLine(msgspec.Struct, frozen=True):
    """One product's level in one warehouse, as of the report that brought it."""

    as_of: datetime
    line: InventoryLine


class Pending(msgspec.Struct, frozen=True):
    """A channel's pending set: ``lines`` keyed ``<warehouse>|<sku or gtin>``."""

    seq: int = 0
    """The number of the last batch sent."""
    lines: dict[str, FeedLine] = {}


_decoder = msgspec.json.Decoder(Pending)


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC, a time without zone being taken as UTC (what 3PL files mean)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def pending_cursor(channel: str) -> str:
    return f"stock-feed:{channel}"


def load_pending(tx: Tx, channel: str) -> Pending:
    text = tx.get_cursor(pending_cursor(channel))
    return Pending() if text is None else _decoder.decode(text)


def save_pending(tx: Tx, channel: str, pending: Pending) -> None:
    tx.set_cursor(pending_cursor(channel), msgspec.json.encode(pending).decode())


def merge_pending(pending: Pending, fresh: Iterable[tuple[str, FeedLine]]) -> Pending:
    """``pending`` with ``fresh`` merged in: per key the newer ``as_of`` wins (a tie keeps
    the later arrival); an older line never replaces a newer one."""
    lines = dict(pending.lines)
    for key, line in fresh:
        held = lines.get(key)
        if held is None or utc(line.as_of) >= utc(held.as_of):
            lines[key] = line
    return Pending(seq=pending.seq, lines=lines)


def drop_superseded(pending: Pending, sent: Iterable[tuple[str, FeedLine]]) -> Pending:
    """``pending`` without the lines that ``sent`` (gone out at once) is newer than."""
    lines = dict(pending.lines)
    for key, line in sent:
        held = lines.get(key)
        if held is not None and utc(held.as_of) <= utc(line.as_of):
            del lines[key]
    return Pending(seq=pending.seq, lines=lines)


def feed_channels(config: Config) -> list[PartnerConfig]:
    """The partners that receive stock levels (``check_flows`` made sure they can)."""
    return [
        p for p in config.partners if p.stock_feed is not None and "inventory_report" in p.outbound
    ]


def follows(channel: PartnerConfig, warehouse: str) -> bool:
    feed = channel.stock_feed
    return feed is not None and (not feed.warehouses or warehouse in feed.warehouses)


def is_critical(channel: PartnerConfig, product: ProductRef) -> bool:
    feed = channel.stock_feed
    return feed is not None and product.sku is not None and product.sku in feed.critical_skus


def channel_line(
    product: ProductRef, warehouse: str, on_hand: Decimal, available: Decimal | None, unit: str
) -> InventoryLine:
    """The line a channel receives: located in the Odoo warehouse, ``available`` = on hand
    unless the 3PL said otherwise."""
    return InventoryLine(
        product=product,
        location=warehouse,
        on_hand=on_hand,
        available=on_hand if available is None else available,
        unit=unit,
    )


def batch_report(pending: Pending, seq: int) -> InventoryReport:
    """One report of every pending line (sorted by key, so a batch reads the same twice)."""
    keys = sorted(pending.lines)
    warehouses = {pending.lines[k].line.location for k in keys}
    return InventoryReport(
        report_id=f"SF{seq}",
        as_of=max(pending.lines[k].as_of for k in keys),
        lines=[pending.lines[k].line for k in keys],
        warehouse=next(iter(warehouses)) if len(warehouses) == 1 else None,
    )


def flush_pending(tx: Tx, config: Config, channel: str, *, flow: str) -> NewDelivery | None:
    """Send ``channel``'s pending set as one report and empty it (None: nothing pending).

    Raises what rendering raises (``ConfigError``, ``RejectedInput``) with nothing written.
    """
    pending = load_pending(tx, channel)
    if not pending.lines:
        return None
    seq = pending.seq + 1
    delivery = partner_delivery(
        tx,
        config,
        channel,
        batch_report(pending, seq),
        key=f"stockfeed:{channel}:batch:{seq}",
        name=f"stock-batch-{seq}",
        flow=flow,
        when=datetime.fromtimestamp(tx.now, UTC),
    )
    tx.enqueue(delivery)
    save_pending(tx, channel, Pending(seq=seq))
    return delivery
