"""X12 846 inventory inquiry / advice <-> InventoryReport (snapshot), and X12 947 warehouse
inventory adjustment advice -> InventoryReport (deltas). 004010 / 005010.

846, where the data sits: BIA03 the report id, BIA04 / BIA05 the date and time the figures
are for; N1 WH the warehouse. Each LIN loop one product (LIN02.. qualifier / id pairs, PID
the description), then QTY segments: QTY01 the qualifier the ``stock`` table turns into an
InventoryLine field (33 available for sale, 17 on hand by default), QTY02 the quantity,
QTY03 (or a UIT that follows) its unit; an SDQ after a QTY splits it by location (SDQ03 /
SDQ04, SDQ05 / SDQ06...), else the quantity is at the warehouse.

947: W15 01 the date, 02 the warehouse's adjustment number (03 the depositor's when 02 is
absent); N1 WH the warehouse. Each W19 is one adjustment: 01 its reason (checked against the
``adjustment_reason`` table; the contract has no field for it yet), 02 the signed quantity
(a debit is negative), 03 the unit, 04 the UPC, 05 / 06, 07 / 08 and 17 / 18 qualifier / id
pairs. The deltas go in ``available``, the only signed field of an InventoryLine.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from contracts import InventoryLine, InventoryReport, Party, PartyId, PartyRole
from contracts.errors import RejectedInput

from .._segment import Segment
from ._build import seg
from ._errors import NOT_SUPPORTED
from ._invrpt import FIELDS
from ._parties import n1_segments, x12_parties
from ._products import ProductIds, x12_id_pairs, x12_pairs
from ._profile import MappingProfile
from ._reader import Reader
from ._x12 import description, num, pid_segments

__all__ = ["adjustment947_to_inventory", "inventory846_to_inventory", "inventory_to_846"]

_WAREHOUSES = (PartyRole.WAREHOUSE, PartyRole.SHIP_FROM)


def _warehouse(reader: Reader, segments: list[Segment]) -> str | None:
    parties = x12_parties(reader, segments)
    return next(
        (p.ids[0].value for role in _WAREHOUSES for p in parties if p.role is role and p.ids),
        None,
    )


def inventory846_to_inventory(reader: Reader) -> InventoryReport:
    head, groups, _summary = reader.split("LIN", frozenset({"CTT"}))
    bia = reader.require("BIA", "the report header", head)
    as_of = reader.moment(bia, 3, 4, "report date")
    if as_of is None:
        if reader.sent is None:
            raise reader.missing("the report date (BIA04)", bia)
        as_of = datetime.combine(reader.sent, time(), reader.zone)
    warehouse = _warehouse(reader, head)
    lines: list[InventoryLine] = []
    for group in groups:
        lines += _lines(reader, group, warehouse)
    return InventoryReport(
        report_id=reader.number(bia, 2, 0, "report id"),
        as_of=as_of,
        lines=lines,
        snapshot=True,
        warehouse=warehouse,
    )


class _Figure:
    def __init__(self, field: str, value: Decimal, qty: Segment, unit: str | None) -> None:
        self.field, self.value, self.qty, self.unit = field, value, qty, unit
        self.split: list[tuple[str, Decimal]] = []


def _lines(reader: Reader, group: list[Segment], warehouse: str | None) -> list[InventoryLine]:
    lin = group[0]
    ids = ProductIds(reader, lin)
    x12_pairs(reader, ids, lin, 1, len(lin.elements))
    ids.describe(description(group))
    product = ids.product()
    figures: dict[str, dict[str, Decimal]] = {}
    units: dict[str, str] = {}
    pending: _Figure | None = None

    def settle() -> None:
        if pending is None:
            return
        unit = pending.unit or reader.profile.default_unit
        places = pending.split or [(warehouse or "", pending.value)]
        for location, value in places:
            if not location:
                raise reader.missing(
                    "the location of a stock quantity (SDQ, or N1 WH)", pending.qty
                )
            figures.setdefault(location, {}).setdefault(pending.field, value)
            units.setdefault(location, unit)

    for segment in group:
        if segment.tag == "QTY":
            settle()
            pending = None
            field = reader.lookup("stock", segment, 0, 0, "stock qualifier")
            value = reader.decimal(segment, 1, 0, "stock quantity")
            if field is None or reader.ignored(field) or value is None:
                continue
            if value < 0 and field != "available":
                raise reader.error(
                    f"{field} quantity {value} in QTY element 2 is negative",
                    segment,
                    1,
                    value=str(value),
                )
            unit = reader.unit(segment, 2, 0) if segment.value(2, 0).strip() else None
            pending = _Figure(field, value, segment, unit)
        elif segment.tag == "UIT" and pending is not None and pending.unit is None:
            pending.unit = reader.unit(segment, 0, 0)
        elif segment.tag == "SDQ" and pending is not None:
            for element in range(2, len(segment.elements) - 1, 2):
                location = reader.code(segment, element, 0, "location")
                value = reader.decimal(segment, element + 1, 0, "location quantity")
                if location is not None and value is not None:
                    pending.split.append((location, value))
    settle()
    return [
        InventoryLine(product=product, location=location, unit=units[location], **values)
        for location, values in figures.items()
    ]


def adjustment947_to_inventory(reader: Reader) -> InventoryReport:
    w15 = reader.require("W15", "the adjustment header", reader.body)
    day = reader.day(w15, 0, 0, "adjustment date") or reader.sent
    if day is None:
        raise reader.missing("the adjustment date (W15 01)", w15)
    number_at = 1 if reader.text(w15, 1) is not None else 2
    adjustments = reader.every("W19")
    if not adjustments:
        raise reader.missing("adjustments (W19 segments)")
    warehouse = _warehouse(reader, list(reader.body))
    lines = []
    for w19 in adjustments:
        reader.lookup("adjustment_reason", w19, 0, 0, "adjustment reason")
        if warehouse is None:
            raise reader.missing("the warehouse the adjustment is at (N1 WH)", w19)
        delta = reader.decimal(w19, 1, 0, "adjusted quantity")
        if delta is None:
            raise reader.missing("the adjusted quantity (W19 02)", w19)
        ids = ProductIds(reader, w19)
        ids.put("gtin", (3, 0), w19)
        x12_pairs(reader, ids, w19, 4, 8)
        x12_pairs(reader, ids, w19, 16, 18)
        lines.append(
            InventoryLine(
                product=ids.product(),
                location=warehouse,
                available=delta,
                unit=reader.unit(w19, 2, 0),
            )
        )
    return InventoryReport(
        report_id=reader.number(w15, number_at, 0, "adjustment number"),
        as_of=datetime.combine(day, time(), reader.zone),
        lines=lines,
        snapshot=False,
        warehouse=warehouse,
    )


# --- outbound -------------------------------------------------------------------------------


def inventory_to_846(report: InventoryReport, profile: MappingProfile) -> list[Segment]:
    """The body of an 846: a LIN loop per line, a QTY per field the partner has a qualifier
    for, and an SDQ when the line's location is not the report's warehouse."""
    as_of = report.as_of
    if as_of.tzinfo is not None:
        as_of = as_of.astimezone(timezone(timedelta(minutes=profile.utc_offset_minutes)))
    body = [
        seg("BIA", "00", "DD", report.report_id, as_of.strftime("%Y%m%d"), as_of.strftime("%H%M%S"))
    ]
    if report.warehouse:
        warehouse = Party(
            role=PartyRole.WAREHOUSE,
            ids=[PartyId(scheme="supplier_assigned", value=report.warehouse)],
        )
        body += n1_segments(warehouse, profile.x12)
    for n, line in enumerate(report.lines, 1):
        body.append(seg("LIN", str(n), *x12_id_pairs(line.product, profile)))
        body += pid_segments(line.product.description)
        unit = profile.x12.unit_out(line.unit)
        for field in FIELDS:
            value: Decimal | None = getattr(line, field)
            if value is None:
                continue
            code = profile.x12.code_for("stock", field)
            if code is None:
                raise RejectedInput(
                    f"no X12 stock qualifier means {field!r} in the partner's profile",
                    code=NOT_SUPPORTED,
                    path=f"$.lines[{n - 1}].{field}",
                )
            body.append(seg("QTY", code, num(value), [unit]))
            if line.location != report.warehouse:
                body.append(seg("SDQ", unit, "92", line.location, num(value)))
    body.append(seg("CTT", str(len(report.lines))))
    return body
