"""EDIFACT INVRPT <-> InventoryReport (EANCOM, D96A and D01B).

Where the data sits: BGM 35 with 1004 the report number; DTM 366 (inventory report date) or
137 the moment the figures are for; NAD WH (or GY, the inventory reporting party) the
warehouse. Each LIN group is one product: LIN / PIA / IMD the item, then QTY segments whose
qualifier the profile's ``stock`` table turns into an InventoryLine field (145 actual stock
-> on hand by default; others vary by partner), each optionally followed by a LOC naming the
location the quantity is at (else the warehouse). A product reported at two locations gives
two lines; a field reported twice for one location keeps its first figure (EANCOM sends
totals before their breakdown by SSCC).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from contracts import InventoryLine, InventoryReport, PartyRole
from contracts.errors import RejectedInput

from .._segment import Segment
from ._build import seg
from ._edifact import dtm, number, unit_out
from ._errors import NOT_SUPPORTED
from ._parties import edifact_parties
from ._products import ProductIds, edifact_item, edifact_product_segments
from ._profile import MappingProfile
from ._reader import Reader

__all__ = ["FIELDS", "inventory_to_invrpt", "invrpt_to_inventory"]

FIELDS = ("on_hand", "available", "reserved", "damaged")
"""The quantity fields of an InventoryLine, in the order they are written."""
_SUMMARY = frozenset({"UNS", "CNT"})


def invrpt_to_inventory(reader: Reader) -> InventoryReport:
    head, groups, _summary = reader.split("LIN", _SUMMARY)
    bgm = reader.require("BGM", "the report number", head)
    moment = reader.dtm(["366", "137"], head)
    if moment is None:
        if reader.sent is None:
            raise reader.missing("the report date (DTM 366 or 137)")
        moment = reader.sent
    as_of = (
        moment if isinstance(moment, datetime) else datetime.combine(moment, time(), reader.zone)
    )
    warehouse = next(
        (
            p.ids[0].value
            for p in edifact_parties(reader, head)
            if p.role is PartyRole.WAREHOUSE and p.ids
        ),
        None,
    )
    lines: list[InventoryLine] = []
    for group in groups:
        lines += _lines(reader, group, warehouse)
    return InventoryReport(
        report_id=reader.number(bgm, 1, 0, "report number"),
        as_of=as_of,
        lines=lines,
        snapshot=True,
        warehouse=warehouse,
    )


def _lines(reader: Reader, group: list[Segment], warehouse: str | None) -> list[InventoryLine]:
    lin = group[0]
    ids = ProductIds(reader, lin)
    edifact_item(reader, ids, [s for s in group if s.tag in ("LIN", "PIA", "IMD")])
    product = ids.product()
    figures: dict[str, dict[str, Decimal]] = {}
    units: dict[str, str] = {}
    pending: tuple[str, Decimal, Segment] | None = None

    def settle(location: str | None) -> None:
        nonlocal pending
        if pending is None:
            return
        field, value, qty = pending
        pending = None
        where = location or warehouse
        if where is None:
            raise reader.missing("the location of a stock quantity (LOC, or NAD WH)", qty)
        figures.setdefault(where, {}).setdefault(field, value)
        units.setdefault(where, reader.unit(qty, 0, 2))

    for segment in group:
        if segment.tag == "QTY":
            settle(None)
            field = reader.lookup("stock", segment, 0, 0, "stock qualifier")
            value = reader.decimal(segment, 0, 1, "stock quantity")
            if field is None or reader.ignored(field) or value is None:
                continue
            if value < 0 and field != "available":
                raise reader.error(
                    f"{field} quantity {value} in QTY element 1 component 2 is negative",
                    segment,
                    0,
                    1,
                    value=str(value),
                )
            pending = (field, value, segment)
        elif segment.tag == "LOC" and pending is not None:
            settle(reader.code(segment, 1, 0, "location"))
    settle(None)
    return [
        InventoryLine(product=product, location=location, unit=units[location], **values)
        for location, values in figures.items()
    ]


# --- outbound -------------------------------------------------------------------------------


def inventory_to_invrpt(
    report: InventoryReport, profile: MappingProfile, release: str
) -> list[Segment]:
    """The body of an INVRPT: one LIN group per line, a QTY per field the partner has a
    qualifier for, and LOC when the line's location is not the report's warehouse."""
    tables = profile.edifact
    as_of = report.as_of
    if as_of.tzinfo is not None:
        as_of = as_of.astimezone(timezone(timedelta(minutes=profile.utc_offset_minutes)))
    body = [seg("BGM", "35", report.report_id, "9"), dtm("137", as_of)]
    if report.warehouse:
        code = tables.code_for("party", PartyRole.WAREHOUSE.value)
        if code is None:
            raise RejectedInput(
                "no EDIFACT party qualifier means 'warehouse'",
                code=NOT_SUPPORTED,
                path="$.warehouse",
            )
        body.append(seg("NAD", code, [report.warehouse]))
    for n, line in enumerate(report.lines, 1):
        item, details = edifact_product_segments(line.product, profile, release)
        body += [seg("LIN", str(n), "", item), *details]
        for field in FIELDS:
            value: Decimal | None = getattr(line, field)
            if value is None:
                continue
            code = tables.code_for("stock", field)
            if code is None:
                raise RejectedInput(
                    f"no EDIFACT stock qualifier means {field!r} in the partner's profile",
                    code=NOT_SUPPORTED,
                    path=f"$.lines[{n - 1}].{field}",
                )
            unit = [] if line.unit == profile.default_unit else [unit_out(line.unit, profile)]
            body.append(seg("QTY", [code, number(value, profile), *unit]))
            if line.location != report.warehouse:
                body.append(seg("LOC", "14", [line.location]))
    return body  # INVRPT has no summary section
