"""EDIFACT DESADV <-> ShipmentConfirmation (EANCOM, D96A and D01B).

Where the data sits: BGM 351 with 1004 the despatch advice number (our shipment id); DTM 11
the despatch date (137, the message date, when 11 is absent); RFF ON the order, BM the bill
of lading, CN the carrier's tracking number; NAD WH the warehouse; TDT C040 the carrier.
The packing hierarchy follows: each CPS group may describe packages (PAC, MEA PD AAB gross
weight, PCI with RFF CN the package's tracking number and GIN BJ its SSCC) and holds the LIN
groups packed in them: LIN the item, QTY 12 despatched and 21 ordered.

A DESADV says nothing of "partial": a shipment is partial when a line ships less than was
ordered. A DESADV that names several orders (per-line RFF ON) gives one confirmation per
order: a line without its own RFF ON belongs to the header's order (refused when there is
none); a CPS group's packages go with the orders of the lines packed in it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from contracts import Package, PartyRole, Quantity, ShipmentConfirmation, ShipmentLine
from contracts.errors import RejectedInput

from .._segment import Segment
from ._build import seg
from ._edifact import dtm, number, qty, quantities, reference, rff, unit_out
from ._errors import MISSING, NOT_SUPPORTED
from ._parties import edifact_parties
from ._products import ProductIds, edifact_item, edifact_product_segments
from ._profile import MappingProfile
from ._reader import Reader

__all__ = ["desadv_to_shipments", "shipment_to_desadv"]

_SSCC = re.compile(r"\d{18}")
_SUMMARY = frozenset({"UNS", "CNT"})
_WEIGHTS = frozenset({"AAB"})


def desadv_to_shipments(reader: Reader) -> list[ShipmentConfirmation]:
    """One confirmation per order the despatch advice names (the header's RFF ON, or each
    line's), in the order they come; the header (date, carrier, references) is shared."""
    head, groups, _summary = reader.split(frozenset({"CPS", "LIN"}), _SUMMARY)
    bgm = reader.require("BGM", "the despatch advice number", head)
    ship_date = reader.dtm_date(["11", "137"], head)
    if ship_date is None:
        raise reader.missing("the despatch date (DTM 11)")
    header_order = reference(reader, ["ON"], head)
    packed: list[_Packing] = []
    for group in _packing_groups(groups):
        packages: list[Package] = []
        ssccs = _package_group(reader, group, packages)
        sscc = ssccs[0] if len(ssccs) == 1 else None
        _, line_groups, _ = _lines(group)
        orders = [reference(reader, ["ON"], g) or header_order for g in line_groups]
        packed.append(_Packing(packages, line_groups, orders, sscc))
    numbers = list(dict.fromkeys(order for p in packed for order in p.orders if order))
    if not numbers and header_order is not None:
        numbers = [header_order]  # no line: the contract check refuses it, with its path
    if not numbers:
        raise reader.missing("the order number (RFF ON)")
    parts = _per_order(reader, numbers, packed)
    tdt = reader.first("TDT", head)
    warehouse = next(
        (
            p.ids[0].value
            for p in edifact_parties(reader, head)
            if p.role is PartyRole.WAREHOUSE and p.ids
        ),
        None,
    )
    return [
        ShipmentConfirmation(
            shipment_id=reader.number(bgm, 1, 0, "despatch advice number"),
            order_number=order,
            ship_date=ship_date,
            lines=lines,
            packages=packages,
            carrier=None if tdt is None else reader.carrier(tdt, 4, 0),
            tracking_number=reference(reader, ["CN"], head),
            bill_of_lading=reference(reader, ["BM"], head),
            partial=any(line.short for line in lines),
            warehouse=warehouse,
        )
        for order, (lines, packages) in parts.items()
    ]


class _Packing:
    """One CPS group: its packages, its LIN groups and the order each names (or None)."""

    def __init__(
        self,
        packages: list[Package],
        line_groups: list[list[Segment]],
        orders: list[str | None],
        sscc: str | None,
    ) -> None:
        self.packages = packages
        self.line_groups = line_groups
        self.orders = orders
        self.sscc = sscc


def _per_order(
    reader: Reader, numbers: list[str], packed: list[_Packing]
) -> dict[str, tuple[list[ShipmentLine], list[Package]]]:
    """Lines by their order (numbered within it when LIN sends no number); a CPS group's
    packages go with every order that has a line in the group (every order when it has
    none)."""
    parts: dict[str, tuple[list[ShipmentLine], list[Package]]] = {n: ([], []) for n in numbers}
    single = numbers[0] if len(numbers) == 1 else None
    for packing in packed:
        holders: list[str] = []
        for order, line_group in zip(packing.orders, packing.line_groups, strict=True):
            owner = order or single
            if owner is None:
                raise reader.error(
                    f"the despatch advice covers several orders ({', '.join(map(repr, numbers))})"
                    " and this line names none (no RFF ON in its LIN group, none in the header)",
                    line_group[0],
                    code=MISSING,
                    expected="RFF ON in the line group",
                )
            lines = parts[owner][0]
            lines.append(_line(reader, line_group, len(lines) + 1, packing.sscc))
            if owner not in holders:
                holders.append(owner)
        for holder in holders or numbers:
            parts[holder][1].extend(packing.packages)
    return parts


def _packing_groups(groups: list[list[Segment]]) -> list[list[Segment]]:
    """Regroup the CPS / LIN groups into one list per CPS (lines before any CPS: one more)."""
    packing: list[list[Segment]] = []
    for group in groups:
        if group[0].tag == "CPS" or not packing:
            packing.append(list(group))
        else:
            packing[-1].extend(group)
    return packing


def _lines(group: list[Segment]) -> tuple[list[Segment], list[list[Segment]], list[Segment]]:
    head: list[Segment] = []
    lines: list[list[Segment]] = []
    for segment in group:
        if segment.tag == "LIN":
            lines.append([segment])
        elif lines:
            lines[-1].append(segment)
        else:
            head.append(segment)
    return head, lines, []


def _package_group(reader: Reader, group: list[Segment], packages: list[Package]) -> list[str]:
    """The packages a CPS group describes (appended to ``packages``), and their SSCCs."""
    head, _, _ = _lines(group)
    weight: Quantity | None = None
    tracking: str | None = None
    ssccs: list[str] = []
    for segment in head:
        if segment.tag == "MEA" and segment.value(1, 0) in _WEIGHTS:
            weight = reader.quantity(segment, (2, 1), (2, 0), "package weight")
        elif segment.tag == "RFF" and segment.value(0, 0) == "CN":
            tracking = reader.text(segment, 0, 1)
        elif segment.tag == "GIN" and segment.value(0) == "BJ":
            for element in range(1, len(segment.elements)):
                value = reader.text(segment, element, 0)
                if value is None:
                    continue
                if _SSCC.fullmatch(value) is None:
                    raise reader.error(
                        f"SSCC {value!r} in GIN element {element + 1} is not 18 digits",
                        segment,
                        element,
                        0,
                        value=value,
                    )
                ssccs.append(value)
    if ssccs:
        packages += [Package(sscc=s, tracking_number=tracking, weight=weight) for s in ssccs]
    elif tracking is not None or weight is not None:
        packages.append(Package(tracking_number=tracking, weight=weight))
    return ssccs


def _line(reader: Reader, group: list[Segment], position: int, sscc: str | None) -> ShipmentLine:
    lin = group[0]
    ids = ProductIds(reader, lin)
    edifact_item(reader, ids, group)
    found = quantities(reader, group)
    shipped = found.get("despatched")
    if shipped is None:
        raise reader.missing("the despatched quantity (QTY 12)", lin)
    return ShipmentLine(
        line_no=reader.line_number(lin, 0, 0, position),
        product=ids.product(),
        shipped=shipped,
        ordered=found.get("ordered"),
        sscc=sscc,
    )


# --- outbound -------------------------------------------------------------------------------


def shipment_to_desadv(
    shipment: ShipmentConfirmation, profile: MappingProfile, release: str
) -> list[Segment]:
    """The body of a DESADV. Packages become CPS groups holding the lines with their SSCC;
    lines in no package come first, under CPS 1. ``service_level`` has no place in an
    EANCOM DESADV and is not written."""
    body = [
        seg("BGM", "351", shipment.shipment_id, "9"),
        dtm("11", shipment.ship_date),
        rff("ON", shipment.order_number),
    ]
    if shipment.bill_of_lading:
        body.append(rff("BM", shipment.bill_of_lading))
    if shipment.tracking_number:
        body.append(rff("CN", shipment.tracking_number))
    if shipment.warehouse:
        code = profile.edifact.code_for("party", PartyRole.WAREHOUSE.value)
        if code is None:
            raise RejectedInput(
                "no EDIFACT party qualifier means 'warehouse'",
                code=NOT_SUPPORTED,
                path="$.warehouse",
            )
        body.append(seg("NAD", code, [shipment.warehouse]))
    if shipment.carrier:
        body.append(seg("TDT", "20", "", "", "", [shipment.carrier]))
    loose = [line for line in shipment.lines if line.sscc is None]
    hierarchy = 1
    if loose or not shipment.packages:
        body.append(seg("CPS", "1"))
        for line in loose:
            body += _line_segments(line, profile, release)
        hierarchy += 1
    packed = {p.sscc for p in shipment.packages if p.sscc}
    orphans = [line.sscc for line in shipment.lines if line.sscc and line.sscc not in packed]
    packages = list(shipment.packages) + [Package(sscc=s) for s in dict.fromkeys(orphans)]
    for package in packages:
        body.append(seg("CPS", str(hierarchy), "1"))
        hierarchy += 1
        body.append(seg("PAC", "1"))
        if package.weight is not None:
            body.append(_weight(package.weight.value, package.weight.unit, profile))
        if package.tracking_number or package.sscc:
            body.append(seg("PCI", "33E"))
        if package.tracking_number:
            body.append(rff("CN", package.tracking_number))
        if package.sscc:
            body.append(seg("GIN", "BJ", [package.sscc]))
            for line in shipment.lines:
                if line.sscc == package.sscc:
                    body += _line_segments(line, profile, release)
    body.append(seg("CNT", ["2", str(len(shipment.lines))]))  # DESADV has no UNS
    return body


def _weight(value: Decimal, unit: str, profile: MappingProfile) -> Segment:
    return seg("MEA", "PD", ["AAB"], [unit_out(unit, profile), number(value, profile)])


def _line_segments(line: ShipmentLine, profile: MappingProfile, release: str) -> list[Segment]:
    item, details = edifact_product_segments(line.product, profile, release)
    out = [seg("LIN", str(line.line_no), "", item), *details, qty("12", line.shipped, profile)]
    if line.ordered is not None:
        out.append(qty("21", line.ordered, profile))
    return out
