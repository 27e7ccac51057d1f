"""X12 856 ship notice / manifest <-> ShipmentConfirmation (004010 / 005010).

Where the data sits: BSN02 the shipment id, BSN03 its date; then the HL hierarchy (BSN05
0001: shipment > order > pack > item). Shipment level: TD5 03 the carrier (SCAC) and 05 the
routing (our service level; TD512 the service level code when sent), REF BM the bill of
lading, REF CN the tracking number, DTM 011 the ship date, N1 WH the warehouse. Order level:
PRF01 the order number. Pack level (P, or T tare): MAN GM the SSCC-18, MAN CP the carrier's
package id (its tracking number), TD1 06-08 its gross weight. Item level: LIN01 the line
number and its qualifier / id pairs, SN1 02-03 shipped, SN1 05-06 ordered, PID the
description; an item is in the pack its HL02 names (or its own MAN GM).

An 856 with several order levels gives one confirmation per order: each item goes with the
order level above it (an item under no order level is refused then), each pack with the order
above it, or, for a pack above the order level (a pallet of several orders' cartons), with
every order that has an item in it. "partial" is derived: a line shipped less than ordered.
"""

from __future__ import annotations

import re

from contracts import (
    Package,
    Party,
    PartyId,
    PartyRole,
    Quantity,
    ShipmentConfirmation,
    ShipmentLine,
)

from .._segment import Segment
from ._build import seg
from ._errors import MISSING
from ._parties import n1_segments, x12_parties
from ._products import ProductIds, x12_id_pairs, x12_pairs
from ._profile import MappingProfile
from ._reader import Reader
from ._values import format_date
from ._x12 import date_of, description, num, pid_segments, reference

__all__ = ["asn856_to_shipments", "shipment_to_856", "sscc_of"]

_SSCC = re.compile(r"(?:00)?(\d{18})")
_PACKS = frozenset({"P", "T"})
_WAREHOUSES = (PartyRole.WAREHOUSE, PartyRole.SHIP_FROM)


def sscc_of(reader: Reader, segment: Segment, element: int) -> str:
    """An SSCC-18 (a leading ``00`` application identifier is dropped)."""
    value = reader.required(segment, element, 0, "SSCC")
    match = _SSCC.fullmatch(value)
    if match is None:
        raise reader.error(
            f"SSCC {value!r} in {segment.tag} element {element + 1} is not 18 digits",
            segment,
            element,
            value=value,
        )
    return match.group(1)


class _Pack:
    def __init__(self) -> None:
        self.sscc: str | None = None
        self.tracking: str | None = None
        self.weight: Quantity | None = None

    def package(self) -> Package | None:
        if self.sscc is None and self.tracking is None and self.weight is None:
            return None
        return Package(sscc=self.sscc, tracking_number=self.tracking, weight=self.weight)


class _Line:
    def __init__(
        self, reader: Reader, lin: Segment, sscc: str | None, order: str | None, packs: list[str]
    ) -> None:
        self.anchor = lin
        self.ids = ProductIds(reader, lin)
        self.sscc = sscc
        self.order = order
        """The order number of the nearest order level above the item (None: no order level)."""
        self.packs = packs
        """The HL ids of the pack levels above the item, nearest last."""
        self.segments: list[Segment] = [lin]


class _Tree:
    """What each HL level inherits from its parent: the order it is under, the packs above
    it and the SSCC of the nearest one."""

    def __init__(self) -> None:
        self.order: dict[str, str | None] = {}
        self.packs: dict[str, list[str]] = {}
        self.sscc: dict[str, str | None] = {}
        self.pack_order: dict[str, str | None] = {}

    def enter(self, hl_id: str, parent: str, level: str) -> None:
        self.order[hl_id] = self.order.get(parent)
        above = self.packs.get(parent, [])
        self.packs[hl_id] = [*above, hl_id] if level in _PACKS else above
        self.sscc[hl_id] = self.sscc.get(parent)
        if level in _PACKS:
            self.pack_order[hl_id] = self.order[hl_id]


def asn856_to_shipments(reader: Reader) -> list[ShipmentConfirmation]:
    """One confirmation per order the ship notice holds (PRF at each order level), in the
    order they come; the shipment level (carrier, references, date, warehouse) is shared."""
    bsn = reader.require("BSN", "the shipment header", reader.body)
    shipment: list[Segment] = []
    orders: list[tuple[str, Segment]] = []
    packages: list[tuple[str, Package]] = []
    tree = _Tree()
    lines: list[_Line] = []
    level, hl_id = "S", ""
    line_hl: str | None = None
    pack: _Pack | None = None
    for segment in reader.body:
        tag = segment.tag
        if tag == "HL":
            done = None if pack is None else pack.package()
            if done is not None:
                packages.append((hl_id, done))
            pack = None
            hl_id, parent = segment.value(0).strip(), segment.value(1).strip()
            level = segment.value(2).strip()
            tree.enter(hl_id, parent, level)
            if level in _PACKS:
                pack = _Pack()
            continue
        if tag == "LIN":
            sscc = tree.sscc.get(hl_id)
            lines.append(
                _Line(reader, segment, sscc, tree.order.get(hl_id), tree.packs.get(hl_id, []))
            )
            line_hl = hl_id
        elif lines and line_hl == hl_id and tag in ("SN1", "PID", "MAN"):
            if tag == "MAN" and segment.value(0) == "GM":
                lines[-1].sscc = sscc_of(reader, segment, 1)
            lines[-1].segments.append(segment)
        elif level in _PACKS and pack is not None:
            if tag == "MAN" and segment.value(0) == "GM":
                pack.sscc = tree.sscc[hl_id] = sscc_of(reader, segment, 1)
            elif tag == "MAN" and segment.value(0) == "CP":
                pack.tracking = reader.text(segment, 1)
            elif tag == "TD1" and segment.value(5) == "G":
                pack.weight = reader.quantity(segment, (6, 0), (7, 0), "package weight")
        elif level == "O" and tag == "PRF":
            number = reader.number(segment, 0, 0, "order number")
            orders.append((number, segment))
            tree.order[hl_id] = number
        elif level == "S":
            shipment.append(segment)
    done = None if pack is None else pack.package()
    if done is not None:
        packages.append((hl_id, done))
    if not orders:
        raise reader.missing("the order number (PRF at the order level)")
    numbers = list(dict.fromkeys(number for number, _ in orders))
    ship_date = date_of(reader, ["011"], shipment) or reader.day(bsn, 2, 0, "shipment date")
    if ship_date is None:
        raise reader.missing("the ship date (DTM 011 or BSN03)", bsn)
    td5 = reader.first("TD5", shipment)
    service = None
    if td5 is not None:
        service = reader.code(td5, 11, 0, "service level") or reader.code(td5, 4, 0, "routing")
    warehouse = next(
        (
            p.ids[0].value
            for p in x12_parties(reader, shipment)
            if p.role is PartyRole.WAREHOUSE and p.ids
        ),
        None,
    )
    if len(numbers) == 1:
        parts = {numbers[0]: (lines, [p for _, p in packages])}
    else:
        parts = _per_order(reader, numbers, lines, packages, tree)
        empty = next((s for n, s in orders if not parts[n][0]), None)
        if empty is not None:
            raise reader.error(
                f"order {reader.text(empty, 0)!r} of a ship notice covering several orders has "
                "no item under its order level",
                empty,
                code=MISSING,
                expected="an item level (HL ... I with LIN) under the order",
            )
    confirmations = []
    for number, (order_lines, order_packages) in parts.items():
        shipped = [_shipment_line(reader, line, n) for n, line in enumerate(order_lines, 1)]
        confirmations.append(
            ShipmentConfirmation(
                shipment_id=reader.number(bsn, 1, 0, "shipment id"),
                order_number=number,
                ship_date=ship_date,
                lines=shipped,
                packages=order_packages,
                carrier=None if td5 is None else reader.carrier(td5, 2, 0),
                service_level=service,
                tracking_number=reference(reader, ["CN"], shipment),
                bill_of_lading=reference(reader, ["BM"], shipment),
                partial=any(line.short for line in shipped),
                warehouse=warehouse,
            )
        )
    return confirmations


def _per_order(
    reader: Reader,
    numbers: list[str],
    lines: list[_Line],
    packages: list[tuple[str, Package]],
    tree: _Tree,
) -> dict[str, tuple[list[_Line], list[Package]]]:
    """Lines and packages split by the order level above them. A package above the order
    level (a pallet holding several orders' cartons) goes with every order that has an item
    in it, or with every order when no item is under it."""
    parts: dict[str, tuple[list[_Line], list[Package]]] = {n: ([], []) for n in numbers}
    for line in lines:
        if line.order is None:
            raise reader.error(
                f"the ship notice covers several orders ({', '.join(map(repr, numbers))}) and "
                "this item is under no order level (HL with PRF): whose order it ships is "
                "unknown",
                line.anchor,
                code=MISSING,
                expected="an order level (HL ... O) above the item",
            )
        parts[line.order][0].append(line)
    for pack_hl, package in packages:
        owner = tree.pack_order.get(pack_hl)
        if owner is not None:
            parts[owner][1].append(package)
            continue
        holders = [n for n in numbers if any(pack_hl in ln.packs for ln in parts[n][0])]
        for number in holders or numbers:
            parts[number][1].append(package)
    return parts


def _shipment_line(reader: Reader, line: _Line, position: int) -> ShipmentLine:
    lin = line.anchor
    x12_pairs(reader, line.ids, lin, 1, len(lin.elements))
    line.ids.describe(description(line.segments))
    sn1 = reader.first("SN1", line.segments)
    if sn1 is None:
        raise reader.missing("the shipped quantity (SN1)", lin)
    shipped = reader.quantity(sn1, (1, 0), (2, 0), "shipped quantity")
    if shipped is None:
        raise reader.missing("the shipped quantity (SN102)", sn1)
    number = lin if reader.text(lin, 0) is not None else sn1
    return ShipmentLine(
        line_no=reader.line_number(number, 0, 0, position),
        product=line.ids.product(),
        shipped=shipped,
        ordered=reader.quantity(sn1, (4, 0), (5, 0), "ordered quantity"),
        sscc=line.sscc,
    )


# --- outbound -------------------------------------------------------------------------------


def _unit(unit: str, profile: MappingProfile) -> str:
    return profile.x12.unit_out(unit)


def shipment_to_856(shipment: ShipmentConfirmation, profile: MappingProfile) -> list[Segment]:
    """The body of an 856: S > O > (P > I)... with items in no pack under the order."""
    day = format_date(shipment.ship_date)
    body = [seg("BSN", "00", shipment.shipment_id, day, "0000", "0001"), seg("HL", "1", "", "S")]
    if shipment.carrier or shipment.service_level:
        body.append(seg("TD5", "", "2", shipment.carrier or "", "", shipment.service_level or ""))
    if shipment.bill_of_lading:
        body.append(seg("REF", "BM", shipment.bill_of_lading))
    if shipment.tracking_number:
        body.append(seg("REF", "CN", shipment.tracking_number))
    body.append(seg("DTM", "011", day))
    if shipment.warehouse:
        warehouse = Party(
            role=PartyRole.WAREHOUSE,
            ids=[PartyId(scheme="supplier_assigned", value=shipment.warehouse)],
        )
        body += n1_segments(warehouse, profile.x12)
    body += [seg("HL", "2", "1", "O"), seg("PRF", shipment.order_number)]
    counter = 2

    def items(parent: int, sscc: str | None) -> None:
        nonlocal counter
        for line in shipment.lines:
            if line.sscc != sscc:
                continue
            counter += 1
            body.append(seg("HL", str(counter), str(parent), "I"))
            body.append(seg("LIN", str(line.line_no), *x12_id_pairs(line.product, profile)))
            sn1 = ["", num(line.shipped.value), _unit(line.shipped.unit, profile)]
            if line.ordered is not None:
                sn1 += ["", num(line.ordered.value), _unit(line.ordered.unit, profile)]
            body.append(seg("SN1", *sn1))
            body.extend(pid_segments(line.product.description))

    items(2, None)
    packed = {p.sscc for p in shipment.packages if p.sscc}
    orphans = [line.sscc for line in shipment.lines if line.sscc and line.sscc not in packed]
    for package in [*shipment.packages, *(Package(sscc=s) for s in dict.fromkeys(orphans))]:
        counter += 1
        pack_id = counter
        body.append(seg("HL", str(pack_id), "2", "P"))
        if package.weight is not None:
            weight = package.weight
            body.append(
                seg("TD1", "", "", "", "", "", "G", num(weight.value), _unit(weight.unit, profile))
            )
        if package.sscc:
            body.append(seg("MAN", "GM", package.sscc))
        if package.tracking_number:
            body.append(seg("MAN", "CP", package.tracking_number))
        if package.sscc:
            items(pack_id, package.sscc)
    body.append(seg("CTT", str(len(shipment.lines))))
    return body
