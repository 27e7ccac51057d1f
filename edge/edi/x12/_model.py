"""What an X12 interchange is made of, once its envelope has been checked.

ISA..IEA holds functional groups GS..GE, which hold transaction sets ST..SE. As for
EDIFACT, envelopes and sets are kept apart: a ``TransactionSet`` holds its own segments (ST
and SE included) so a grammar can validate it alone and a 997 can point into it. Party
identifiers are given without the ISA's padding; the ISA segment keeps the values as sent.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from .._segment import Party, Segment
from ._isa import Separators

__all__ = ["FunctionalGroup", "Interchange", "TransactionSet"]


class TransactionSet(msgspec.Struct, frozen=True, gc=False):
    """One transaction set, ST to SE."""

    id: str
    """ST01, the transaction set identifier code: ``850``, ``856``, ``997``..."""
    control_number: str
    """ST02 (equal to SE02)."""
    convention: str
    """ST03, the implementation convention reference (5010 on; empty when not sent)."""
    segments: tuple[Segment, ...]
    """ST, the body, SE."""

    @property
    def header(self) -> Segment:
        return self.segments[0]

    @property
    def trailer(self) -> Segment:
        return self.segments[-1]

    @property
    def body(self) -> tuple[Segment, ...]:
        """The segments between ST and SE."""
        return self.segments[1:-1]


class FunctionalGroup(msgspec.Struct, frozen=True, gc=False):
    """One GS..GE functional group and its transaction sets."""

    functional_id: str
    """GS01: ``PO`` (850), ``SH`` (856), ``IN`` (810), ``FA`` (997)..."""
    sender: str
    """GS02, application sender's code."""
    receiver: str
    """GS03, application receiver's code."""
    date: str
    """GS04 as sent (``CCYYMMDD``)."""
    time: str
    """GS05 as sent (``HHMM`` and optional seconds)."""
    control_number: str
    """GS06 (equal to GE02)."""
    agency: str
    """GS07, responsible agency code (``X``)."""
    version: str
    """GS08: ``004010``, ``005010``, ``005010X222A1``..."""
    sets: tuple[TransactionSet, ...]
    header: Segment
    trailer: Segment


class Interchange(msgspec.Struct, frozen=True, gc=False):
    """One ISA..IEA interchange."""

    separators: Separators
    encoding: str
    """The Python codec the file was decoded with."""
    sender: Party
    """ISA06 (unpadded) with its qualifier ISA05."""
    receiver: Party
    """ISA08 (unpadded) with its qualifier ISA07."""
    date: str
    """ISA09, ``YYMMDD``."""
    time: str
    """ISA10, ``HHMM``."""
    version: str
    """ISA12, the interchange control version: ``00401``, ``00501``..."""
    control_number: str
    """ISA13, nine digits (equal to IEA02)."""
    ack_requested: bool
    """ISA14 = 1: the sender asks for a TA1."""
    usage: str
    """ISA15: ``P`` production, ``T`` test, ``I`` information."""
    groups: tuple[FunctionalGroup, ...]
    header: Segment
    trailer: Segment
    service_segments: tuple[Segment, ...] = ()
    """Segments between ISA and the first GS: TA1 interchange acknowledgements, ISB / ISE
    service requests."""
    offset: int | None = None
    """Byte offset in the file of the ISA; ``None`` for an interchange built in code."""

    @property
    def test(self) -> bool:
        return self.usage == "T"

    @property
    def sets(self) -> tuple[TransactionSet, ...]:
        """Every transaction set of the interchange, in order."""
        return tuple(s for group in self.groups for s in group.sets)

    def all_segments(self) -> Iterator[Segment]:
        """Every segment in file order: ISA, (TA1, ISB, ISE), GS, sets, GE..., IEA."""
        yield self.header
        yield from self.service_segments
        for group in self.groups:
            yield group.header
            for transaction_set in group.sets:
                yield from transaction_set.segments
            yield group.trailer
        yield self.trailer
