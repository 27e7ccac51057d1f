"""What the EDIFACT mappings share: references, free texts, quantities, prices, currencies,
and the builders of DTM / QTY / RFF / MOA for outbound messages.

EANCOM puts party references (RFF after a NAD) next to message references (RFF before any
NAD); only the latter are the message's ``references``. Quantities are found by their role
(the profile's ``quantity`` table) so a partner that writes ``QTY+1`` for ordered goods needs
one table entry, not a mapping of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from contracts import Quantity

from .._segment import Segment
from ._build import seg
from ._profile import MappingProfile
from ._reader import Reader
from ._values import format_date, format_decimal, join_text

__all__ = [
    "currency",
    "dtm",
    "free_text",
    "moa",
    "net_price",
    "number",
    "qty",
    "quantities",
    "reference",
    "references",
    "rff",
    "unit_out",
]

_PARTY_CONTEXT = frozenset({"LOC", "RFF", "DTM", "CTA", "COM"})


def references(reader: Reader, segments: Iterable[Segment]) -> dict[str, str]:
    """RFF qualifier (named by the ``reference`` table, else kept) -> value, the first of each;
    RFFs that belong to a NAD (they follow it) are left to the party."""
    found: dict[str, str] = {}
    in_party = False
    for segment in segments:
        if segment.tag == "NAD":
            in_party = True
        elif segment.tag not in _PARTY_CONTEXT:
            in_party = False
        elif segment.tag == "RFF" and not in_party:
            qualifier = segment.value(0, 0).strip()
            value = reader.text(segment, 0, 1)
            if qualifier and value:
                found.setdefault(reader.tables.reference.get(qualifier, qualifier), value)
    return found


def reference(reader: Reader, qualifiers: Sequence[str], segments: Iterable[Segment]) -> str | None:
    """The value of the first RFF with one of ``qualifiers`` (in that order of preference)."""
    rffs = [s for s in segments if s.tag == "RFF"]
    for qualifier in qualifiers:
        for segment in rffs:
            if segment.value(0, 0).strip() == qualifier:
                value = reader.text(segment, 0, 1)
                if value:
                    return value
    return None


def free_text(segments: Iterable[Segment], subjects: frozenset[str] | None = None) -> str | None:
    """The C108 texts of the FTX segments (of those ``subjects``), joined."""
    pieces: list[str] = []
    for segment in segments:
        if segment.tag == "FTX" and (subjects is None or segment.value(0) in subjects):
            pieces += list(segment.element(3))
    return join_text(pieces)


def quantities(reader: Reader, segments: Iterable[Segment]) -> dict[str, Quantity]:
    """QTY role -> quantity, the first of each role; unknown qualifiers are refused."""
    found: dict[str, Quantity] = {}
    for segment in segments:
        if segment.tag != "QTY":
            continue
        role = reader.lookup("quantity", segment, 0, 0, "quantity qualifier")
        if role is None or reader.ignored(role) or role in found:
            continue
        quantity = reader.quantity(segment, (0, 1), (0, 2), f"{role} quantity")
        if quantity is not None:
            found[role] = quantity
    return found


def net_price(reader: Reader, segments: Iterable[Segment]) -> tuple[Decimal, Segment] | None:
    """The net unit price of a line (PRI whose qualifier the ``price`` table calls net),
    divided by its unit price basis when one is sent."""
    for segment in segments:
        if segment.tag != "PRI":
            continue
        kind = reader.lookup("price", segment, 0, 0, "price qualifier")
        if kind != "net":
            continue
        value = reader.decimal(segment, 0, 1, "unit price")
        if value is None:
            continue
        basis = reader.decimal(segment, 0, 4, "unit price basis")
        if basis is not None and basis not in (0, 1):
            value = value / basis
        return value, segment
    return None


def currency(reader: Reader, segments: Iterable[Segment]) -> str | None:
    """CUX C504 6345 of the first CUX (the reference currency)."""
    cux = reader.first("CUX", segments)
    return None if cux is None else reader.currency(cux, 0, 1)


# --- outbound -------------------------------------------------------------------------------


def number(value: Decimal, profile: MappingProfile) -> str:
    return format_decimal(value, profile.decimal_mark)


def dtm(qualifier: str, value: date | datetime) -> Segment:
    if isinstance(value, datetime):
        return seg("DTM", [qualifier, value.strftime("%Y%m%d%H%M%S"), "204"])
    return seg("DTM", [qualifier, format_date(value), "102"])


def unit_out(unit: str, profile: MappingProfile) -> str:
    return profile.edifact.unit_out(unit)


def qty(qualifier: str, quantity: Quantity, profile: MappingProfile) -> Segment:
    """QTY; the unit is written only when it is not the default (EANCOM: variable goods)."""
    value = number(quantity.value, profile)
    if quantity.unit == profile.default_unit:
        return seg("QTY", [qualifier, value])
    return seg("QTY", [qualifier, value, unit_out(quantity.unit, profile)])


def rff(qualifier: str, value: str) -> Segment:
    return seg("RFF", [qualifier, value])


def moa(qualifier: str, amount: Decimal, profile: MappingProfile) -> Segment:
    return seg("MOA", [qualifier, number(amount, profile)])
