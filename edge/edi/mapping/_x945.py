"""X12 945 warehouse shipping advice (004010 / 005010) -> ShipmentConfirmation.

Where the data sits (EDI_NOTES): W06 02 the depositor order number (our order), 03 the ship
date, 04 the shipment id; N1 loops (N1 WH / SF: the warehouse); N9 BM the bill of lading,
N9 CN the tracking number; G62 11 the ship date when W06 03 is absent; W27 02 the carrier
(SCAC) and 03 the routing (our service level). Each LX loop: MAN GM the SSCC and MAN CP the
carrier's package id (its tracking number) of the package the line went in, then W12 with 01
the status (CC complete, PR partial: the ``ship_status`` table), 02 ordered, 03 shipped, 05
the unit, 06 the UPC and 07 / 08 (and 16 / 17) qualifier / id pairs. W03 totals are not read.
"""

from __future__ import annotations

from contracts import Package, PartyRole, ShipmentConfirmation, ShipmentLine

from .._segment import Segment
from ._parties import x12_parties
from ._products import ProductIds, x12_pairs
from ._reader import Reader
from ._x12 import date_of, description, reference
from ._x856 import sscc_of

__all__ = ["advice945_to_shipment"]

_SUMMARY = frozenset({"W03"})
_WAREHOUSES = (PartyRole.WAREHOUSE, PartyRole.SHIP_FROM)


def advice945_to_shipment(reader: Reader) -> ShipmentConfirmation:
    head, groups, _summary = reader.split("LX", _SUMMARY)
    w06 = reader.require("W06", "the shipping advice header", head)
    ship_date = reader.day(w06, 2, 0, "ship date") or date_of(reader, ["11"], head, "G62")
    if ship_date is None:
        raise reader.missing("the ship date (W06 03)", w06)
    if not groups:  # no LX loops: each W12 is a line of its own
        groups = [[s] for s in head if s.tag == "W12"]
    packages: list[Package] = []
    lines: list[ShipmentLine] = []
    partial = False
    for group in groups:
        sscc = None
        tracking = None
        for segment in group:
            if segment.tag == "MAN" and segment.value(0) == "GM":
                sscc = sscc_of(reader, segment, 1)
            elif segment.tag == "MAN" and segment.value(0) == "CP":
                tracking = reader.text(segment, 1)
        if sscc is not None or tracking is not None:
            package = Package(sscc=sscc, tracking_number=tracking)
            if package not in packages:
                packages.append(package)
        for w12 in reader.every("W12", group):
            line, status = _line(reader, group, w12, len(lines) + 1, sscc)
            lines.append(line)
            partial = partial or status == "partial"
    if not lines:
        raise reader.missing("shipped lines (W12 segments)")
    w27 = reader.first("W27", head)
    parties = x12_parties(reader, head)
    warehouse = next(
        (p.ids[0].value for role in _WAREHOUSES for p in parties if p.role is role and p.ids),
        None,
    )
    return ShipmentConfirmation(
        shipment_id=reader.number(w06, 3, 0, "shipment id"),
        order_number=reader.number(w06, 1, 0, "depositor order number"),
        ship_date=ship_date,
        lines=lines,
        packages=packages,
        carrier=None if w27 is None else reader.carrier(w27, 1, 0),
        service_level=None if w27 is None else reader.code(w27, 2, 0, "routing"),
        tracking_number=reference(reader, ["CN"], head),
        bill_of_lading=reference(reader, ["BM"], head),
        partial=partial or any(line.short for line in lines),
        warehouse=warehouse,
    )


def _line(
    reader: Reader, group: list[Segment], w12: Segment, position: int, sscc: str | None
) -> tuple[ShipmentLine, str | None]:
    ids = ProductIds(reader, w12)
    ids.put("gtin", (5, 0), w12)
    x12_pairs(reader, ids, w12, 6, 8)
    x12_pairs(reader, ids, w12, 15, 17)
    ids.describe(description(group))
    shipped = reader.quantity(w12, (2, 0), (4, 0), "shipped quantity")
    if shipped is None:
        raise reader.missing("the shipped quantity (W12 03)", w12)
    lx = group[0] if group and group[0].tag == "LX" else w12
    status = reader.lookup("ship_status", w12, 0, 0, "shipment status")
    return (
        ShipmentLine(
            line_no=reader.line_number(lx, 0, 0, position) if lx is not w12 else position,
            product=ids.product(),
            shipped=shipped,
            ordered=reader.quantity(w12, (1, 0), (4, 0), "ordered quantity"),
            sscc=sscc,
        ),
        status,
    )
