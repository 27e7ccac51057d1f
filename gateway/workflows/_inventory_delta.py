"""A delta report (X12 947 inventory adjustments) becomes one exactly-once Odoo adjustment.

The inventory flow's second half (:mod:`gateway.workflows.inventory` decides which half):
each line's signed change is in ``available`` (the only signed field of an InventoryLine,
where :mod:`edge.edi.mapping._x846` puts a 947's W19 quantity). The lines of one product
(by SKU, else GTIN) are summed; the report becomes ONE :class:`edge.odoo.AdjustInventory`
for the 3PL's Odoo warehouse, keyed ``idempotency_key(<3pl>, "odoo", "adjust",
<report id>)``: the adjustment number, not the interchange, so the same adjustment re-sent
in a new interchange (a new document) finds the outbox row, and Odoo the pickings, the
first one made. In Odoo the key becomes the pickings' external IDs, which is what makes a
redelivery move nothing (:mod:`edge.odoo._adjust`).

Snapshots and deltas: watermarks are levels' and a delta is not one, so a delta neither
reads nor moves a watermark as a level would -- but a delta dated at or before the newest
snapshot applied for its product (``inventory-watermark:<warehouse>:<sku or gtin>``) is
SKIPPED, line by line: that count was taken after the adjustment and already includes it,
so applying it would count the change twice. Skipped, not refused: refusing would make the
whole report a dead letter whose only right resolution is to discard those lines, and
would hold back its other, newer lines. A 947 carries a date, not a time (``as_of`` is its
midnight), so an adjustment made later on the day of a snapshot is skipped too; the next
snapshot brings the level right. Left open: an old snapshot arriving after a newer delta
was applied still sets its (older) level; only the next snapshot corrects that.

Channels' stock feeds are not sent for deltas: a channel is sent levels, and a delta says
nothing of the level it lands on (Odoo knows; the next snapshot sends it).

Refused, naming the line: a line without GTIN or SKU, a line without a delta, a product
given in two units (the delta is taken in the product's unit in Odoo, as levels are).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from contracts import InventoryLine, InventoryReport, ProductRef, idempotency_key
from edge.odoo import AdjustInventory, Adjustment, ProductCode
from gateway.log import get_logger
from gateway.store import DocumentRecord, Tx
from gateway.workflows._base import Decision, Refuse, Route
from gateway.workflows._lines import describe_product, odoo_delivery
from gateway.workflows._stock_feed import utc

__all__ = ["adjustment_key", "decide_delta", "watermark_cursor"]

log = get_logger("crossdock.workflows.inventory")


def watermark_cursor(warehouse: str, product: str) -> str:
    """The cursor holding the ``as_of`` of the newest snapshot level applied for a product
    (written by the snapshots' half, read by both)."""
    return f"inventory-watermark:{warehouse}:{product}"


def adjustment_key(partner: str, report_id: str) -> str:
    """The outbox key (and, in Odoo, the external IDs' source) of a 3PL's adjustment."""
    return idempotency_key(partner, "odoo", "adjust", report_id)


@dataclass
class _Delta:
    key: str
    """SKU, or GTIN when the line has no SKU: the watermark's key."""
    product: ProductRef
    delta: Decimal
    unit: str


def lines_by_product(
    report: InventoryReport, quantity: str, missing: str
) -> dict[str, list[InventoryLine]] | str:
    """The report's lines grouped by product (SKU, else GTIN), in first-seen order, or the
    refusal naming the first bad line: no product key, no ``quantity`` (the field the flow
    reads; ``missing`` says why it is needed), or a unit other than the product's first.
    Shared with the level half (:mod:`gateway.workflows.inventory`)."""
    groups: dict[str, list[InventoryLine]] = {}
    for index, line in enumerate(report.lines):
        where = f"line {index + 1} ($.lines[{index}]"
        key = line.product.sku or line.product.gtin
        if key is None:
            return f"{where}.product): {describe_product(line.product)}"
        if getattr(line, quantity) is None:
            return f"{where}.{quantity}): {missing}"
        held = groups.setdefault(key, [])
        if held and held[0].unit != line.unit:
            first = held[0].unit
            return f"{where}.unit): {line.unit!r} where an earlier line of {key} said {first!r}"
        held.append(line)
    return groups


def _deltas(report: InventoryReport) -> list[_Delta] | str:
    """One summed delta per product, in first-seen order, or the refusal naming the line."""
    groups = lines_by_product(
        report, "available", "no delta, the change the adjustment makes to the stock"
    )
    if isinstance(groups, str):
        return groups
    deltas: list[_Delta] = []
    for key, (first, *rest) in groups.items():
        assert first.available is not None  # lines_by_product refused the lines without
        delta = _Delta(key, first.product, first.available, first.unit)
        for line in rest:
            assert line.available is not None
            delta.delta += line.available
        deltas.append(delta)
    return deltas


def _covered(tx: Tx, warehouse: str, key: str, as_of: datetime) -> bool:
    """True when a snapshot at or after ``as_of`` was applied (it includes the change)."""
    mark = tx.get_cursor(watermark_cursor(warehouse, key))
    return mark is not None and utc(datetime.fromisoformat(mark)) >= utc(as_of)


def decide_delta(
    tx: Tx,
    document: DocumentRecord,
    report: InventoryReport,
    *,
    partner: str,
    warehouse: str,
    flow: str,
    max_attempts: int,
) -> Decision:
    """Route the report's adjustment to Odoo, or refuse it (see the module docstring)."""
    deltas = _deltas(report)
    if isinstance(deltas, str):
        return Refuse(deltas)
    covered = [d.key for d in deltas if _covered(tx, warehouse, d.key, report.as_of)]
    lines = tuple(
        Adjustment(
            product=ProductCode(barcode=d.product.gtin, default_code=d.product.sku),
            delta=float(d.delta),
        )
        for d in deltas
        if d.key not in covered and d.delta != 0
    )
    if covered:
        log.info(
            "inventory_delta_covered_by_snapshot",
            partner=partner,
            document_id=document.document_id,
            report=report.report_id,
            products=covered,
        )
    if not lines:
        log.info(
            "inventory_delta_nothing_to_apply",
            partner=partner,
            document_id=document.document_id,
            report=report.report_id,
        )
        return Route([])
    op = AdjustInventory(
        key=adjustment_key(partner, report.report_id),
        warehouse=warehouse,
        lines=lines,
        origin=f"{partner} adjustment {report.report_id}",
    )
    return Route([odoo_delivery(document, op, key=op.key, flow=flow, max_attempts=max_attempts)])
