"""What an EDIFACT interchange is made of, once its envelope has been checked.

Envelopes are kept apart from messages (as Bots does): an ``Interchange`` knows its parties,
control reference and syntax; a ``Message`` knows its type and holds its own segments, UNH
and UNT included, so a grammar can validate it alone and an acknowledgement can point into
it. Every object keeps the header and trailer segments it was read from, so positions are
never lost. All are immutable ``msgspec`` Structs (JSON-able as they are).
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from .._segment import Party, Segment
from ._chars import ServiceChars

__all__ = ["FunctionalGroup", "Interchange", "Message"]


class Message(msgspec.Struct, frozen=True, gc=False):
    """One message, UNH to UNT."""

    reference: str
    """UNH 0062, the message reference number (equal to UNT's)."""
    type: str
    """S009 0065: ``ORDERS``, ``DESADV``, ``INVOIC``..."""
    version: str
    """S009 0052: ``D``."""
    release: str
    """S009 0054: ``96A``, ``01B``..."""
    agency: str
    """S009 0051: ``UN``."""
    association_code: str
    """S009 0057: ``EAN008``... (empty when not sent)."""
    segments: tuple[Segment, ...]
    """UNH, the body, UNT."""

    @property
    def header(self) -> Segment:
        return self.segments[0]

    @property
    def trailer(self) -> Segment:
        return self.segments[-1]

    @property
    def body(self) -> tuple[Segment, ...]:
        """The segments between UNH and UNT."""
        return self.segments[1:-1]


class FunctionalGroup(msgspec.Struct, frozen=True, gc=False):
    """One UNG..UNE functional group and its messages."""

    group_id: str
    """UNG 0038: the message type the group holds."""
    sender: Party
    recipient: Party
    date: str
    time: str
    reference: str
    """UNG 0048, the group reference number (equal to UNE's)."""
    agency: str
    """UNG 0051, controlling agency."""
    message_version: str
    """UNG S008 0052."""
    message_release: str
    """UNG S008 0054."""
    messages: tuple[Message, ...]
    header: Segment
    trailer: Segment


class Interchange(msgspec.Struct, frozen=True, gc=False):
    """One UNB..UNZ interchange: its envelope, its groups (if any) and its messages."""

    chars: ServiceChars
    """The delimiters in force."""
    una: bool
    """Whether the interchange began with a UNA service string advice."""
    syntax_id: str
    """UNB S001 0001: ``UNOA`` .. ``UNOY``; it decided the decoding."""
    syntax_version: str
    """UNB S001 0002: ``1`` .. ``4``."""
    encoding: str
    """The Python codec the interchange was decoded with."""
    sender: Party
    """UNB S002."""
    recipient: Party
    """UNB S003."""
    date: str
    """UNB S004 0017 as sent: ``YYMMDD`` (syntax 1-3) or ``CCYYMMDD`` (syntax 4)."""
    time: str
    """UNB S004 0019 as sent: ``HHMM``."""
    control_ref: str
    """UNB 0020, the interchange control reference (equal to UNZ's)."""
    application_ref: str
    """UNB 0026 (empty when not sent)."""
    ack_requested: bool
    """UNB 0031 = 1: the sender asks for an acknowledgement (CONTRL)."""
    test: bool
    """UNB 0035 = 1: a test interchange."""
    groups: tuple[FunctionalGroup, ...]
    """The UNG groups, when the interchange uses them (then every message is in one)."""
    messages: tuple[Message, ...]
    """Every message of the interchange in order, grouped or not."""
    header: Segment
    trailer: Segment
    offset: int | None = None
    """Byte offset in the file where the interchange begins (its UNA, or its UNB); ``None``
    for an interchange built in code."""

    def all_segments(self) -> Iterator[Segment]:
        """Every segment in file order: UNB, (UNG,) messages, (UNE,) UNZ."""
        yield self.header
        if self.groups:
            for group in self.groups:
                yield group.header
                for message in group.messages:
                    yield from message.segments
                yield group.trailer
        else:
            for message in self.messages:
                yield from message.segments
        yield self.trailer
