"""Check an interchange's envelope and cut it into groups and messages.

The segments of one interchange arrive as a list (UNB first); the checks are those of
ISO 9735 that a receiver owes its partner, each with its CONTRL code (0085):

- UNH..UNT pairs: UNT 0074 counts the message's segments, UNH and UNT included (29); UNT
  0062 repeats UNH 0062 (28); a UNH without its UNT is 13 (missing);
- UNG..UNE pairs: UNE 0060 counts the group's messages (29), UNE 0048 repeats UNG 0048
  (28); groups and loose messages do not mix (30);
- UNZ 0036 counts the messages, or the groups when there are groups (29); UNZ 0020 repeats
  UNB 0020 (28); an interchange without messages is 32 (lower level empty);
- anything between a trailer and the next header is outside any message (33); message
  references are unique within their group or interchange, group references within the
  interchange (26, duplicate).

Only the service segments are looked at one by one: their positions are found with C-level
iteration over the segments, so a 10 MB interchange costs a few Python steps per message.
"""

from __future__ import annotations

from itertools import compress, count
from operator import attrgetter
from typing import NoReturn

from .._codes import EdifactError, reject
from .._segment import Party, Segment
from ._chars import ServiceChars
from ._model import FunctionalGroup, Interchange, Message

__all__ = ["read_envelope"]

_tag_of = attrgetter("tag")
_SERVICE = frozenset({"UNB", "UNZ", "UNG", "UNE", "UNH", "UNT"})


def read_envelope(
    segments: list[Segment],
    *,
    chars: ServiceChars,
    una: bool,
    encoding: str,
    offset: int,
) -> Interchange:
    """The interchange these segments make, or ``RejectedInput`` naming the first fault."""
    header = segments[0]
    service = list(compress(count(), map(_SERVICE.__contains__, map(_tag_of, segments))))
    last = service[-1]
    if segments[last].tag != "UNZ":
        at = segments[-1]
        raise reject(
            f"interchange {header.value(4)!r} has no UNZ trailer: the file ends after {at.tag}",
            EdifactError.MISSING,
            segment_index=at.index,
            byte_offset=at.offset,
        )
    trailer = segments[last]
    if last != len(segments) - 1:
        _outside(segments[last + 1])
    _mandatory(header, 1, "S002 interchange sender")
    _mandatory(header, 2, "S003 interchange recipient")
    _mandatory(header, 3, "S004 date of preparation")
    _mandatory(header, 4, "0020 interchange control reference")
    groups, messages = _Walker(segments, service).walk()

    control_ref = header.value(4)
    _matches(trailer, 1, control_ref, "UNZ 0020", "UNB 0020")
    counted = len(groups) if groups else len(messages)
    _counts(trailer, 0, counted, "groups" if groups else "messages", "UNZ 0036")

    return Interchange(
        chars=chars,
        una=una,
        syntax_id=header.value(0, 0),
        syntax_version=header.value(0, 1),
        encoding=encoding,
        sender=_party(header.element(1)),
        recipient=_party(header.element(2)),
        date=header.value(3, 0),
        time=header.value(3, 1),
        control_ref=control_ref,
        application_ref=header.value(6),
        ack_requested=header.value(8) == "1",
        test=header.value(10) == "1",
        groups=tuple(groups),
        messages=tuple(messages),
        header=header,
        trailer=trailer,
        offset=offset,
    )


class _Walker:
    """Walks the positions of the service segments: UNB (UNG (UNH UNT)+ UNE)+ UNZ, or
    UNB (UNH UNT)+ UNZ."""

    def __init__(self, segments: list[Segment], service: list[int]) -> None:
        self.segments = segments
        self.service = service
        self.k = 1  # index into ``service``: position 0 is the UNB

    def walk(self) -> tuple[list[FunctionalGroup], list[Message]]:
        segments, service = self.segments, self.service
        first = service[1]
        if first != 1:
            _outside(segments[1])
        if segments[first].tag == "UNZ":
            raise reject(
                f"interchange {segments[0].value(4)!r} holds no message",
                EdifactError.LOWER_LEVEL_EMPTY,
                segment_index=segments[first].index,
                byte_offset=segments[first].offset,
            )
        groups: list[FunctionalGroup] = []
        messages: list[Message] = []
        grouped = segments[first].tag == "UNG"
        group_refs: set[str] = set()
        while True:
            at = service[self.k]
            tag = segments[at].tag
            if tag == "UNZ":
                return groups, messages
            if tag == "UNG" and grouped:
                group = self.group()
                if group.reference in group_refs:
                    _duplicate(group.header, "group reference", group.reference)
                group_refs.add(group.reference)
                groups.append(group)
                messages.extend(group.messages)
            elif tag == "UNH" and not grouped:
                messages.extend(self.messages_until(("UNZ",)))
            elif tag in ("UNG", "UNH"):
                raise reject(
                    f"{tag} at this level: an interchange holds either groups or messages, "
                    "not both",
                    EdifactError.GROUPS_AND_MESSAGES_MIXED,
                    segment_index=segments[at].index,
                    byte_offset=segments[at].offset,
                )
            else:
                self.unexpected(at, "UNZ" if not grouped else "UNG or UNZ")

    def group(self) -> FunctionalGroup:
        segments, service = self.segments, self.service
        start = service[self.k]
        header = segments[start]
        self.k += 1
        if service[self.k] != start + 1:
            _outside(segments[start + 1])
        if segments[service[self.k]].tag == "UNE":
            raise reject(
                f"group {header.value(4)!r} holds no message",
                EdifactError.LOWER_LEVEL_EMPTY,
                segment_index=header.index,
                byte_offset=header.offset,
            )
        if segments[service[self.k]].tag != "UNH":
            self.unexpected(service[self.k], "UNH")
        messages = self.messages_until(("UNE",))
        end = service[self.k]
        trailer = segments[end]
        self.k += 1
        if service[self.k] != end + 1:
            _outside(segments[end + 1])
        reference = header.value(4)
        _mandatory(header, 4, "0048 group reference number")
        _matches(trailer, 1, reference, "UNE 0048", "UNG 0048")
        _counts(trailer, 0, len(messages), "messages", "UNE 0060")
        return FunctionalGroup(
            group_id=header.value(0),
            sender=_party(header.element(1)),
            recipient=_party(header.element(2)),
            date=header.value(3, 0),
            time=header.value(3, 1),
            reference=reference,
            agency=header.value(5),
            message_version=header.value(6, 0),
            message_release=header.value(6, 1),
            messages=tuple(messages),
            header=header,
            trailer=trailer,
        )

    def messages_until(self, closers: tuple[str, ...]) -> list[Message]:
        """Messages from the current UNH until a closing trailer (left current)."""
        segments, service = self.segments, self.service
        messages: list[Message] = []
        references: set[str] = set()
        while True:
            start = service[self.k]
            tag = segments[start].tag
            if tag in closers:
                return messages
            if tag != "UNH":
                self.unexpected(start, "UNH or " + " or ".join(closers))
            end = service[self.k + 1]
            header = segments[start]
            if segments[end].tag != "UNT":
                at = segments[end]
                raise reject(
                    f"message {header.value(0)!r} has no UNT: {at.tag} follows it",
                    EdifactError.MISSING,
                    segment_index=at.index,
                    byte_offset=at.offset,
                )
            message = _message(segments[start : end + 1])
            if message.reference in references:
                _duplicate(header, "message reference", message.reference)
            references.add(message.reference)
            messages.append(message)
            self.k += 2
            if service[self.k] != end + 1:
                _outside(segments[end + 1])

    def unexpected(self, at: int, expected: str) -> NoReturn:
        segment = self.segments[at]
        if segment.tag == "UNG" and "UNZ" in expected:
            code = EdifactError.GROUPS_AND_MESSAGES_MIXED
        elif segment.tag in ("UNT", "UNE"):
            code = EdifactError.OUTSIDE_MESSAGE
        else:
            code = EdifactError.MISSING
        raise reject(
            f"{segment.tag} where {expected} was expected",
            code,
            segment_index=segment.index,
            byte_offset=segment.offset,
        )


def _message(segments: list[Segment]) -> Message:
    header, trailer = segments[0], segments[-1]
    reference = header.value(0)
    kind, version, release, agency, association = (*header.element(1), "", "", "", "", "")[:5]
    if not reference:
        _mandatory(header, 0, "0062 message reference number")
    if not kind:
        _mandatory(header, 1, "S009 message identifier")
    closing = trailer.elements
    # the usual case in two comparisons; the helpers say what is wrong otherwise
    if len(closing) != 2 or closing[1] != (reference,) or closing[0] != (str(len(segments)),):
        _matches(trailer, 1, reference, "UNT 0062", "UNH 0062")
        _counts(trailer, 0, len(segments), "segments", "UNT 0074", of=f"message {reference}")
    return Message(reference, kind, version, release, agency, association, tuple(segments))


def _party(element: tuple[str, ...]) -> Party:
    padded = (*element, "", "", "", "")
    return Party(padded[0], padded[1], padded[2], padded[3])


def _mandatory(segment: Segment, position: int, name: str) -> None:
    if not segment.value(position):
        raise reject(
            f"{segment.tag} {name} is missing",
            EdifactError.MISSING,
            segment_index=segment.index,
            byte_offset=segment.offset,
        )


def _matches(trailer: Segment, position: int, expected: str, name: str, header: str) -> None:
    found = trailer.value(position)
    if found != expected:
        raise reject(
            f"{name} is {found!r} but {header} is {expected!r}",
            EdifactError.REFERENCES_DO_NOT_MATCH,
            segment_index=trailer.index,
            byte_offset=trailer.offset,
        )


def _counts(
    trailer: Segment, position: int, actual: int, what: str, name: str, *, of: str = ""
) -> None:
    said = trailer.value(position)
    if not said.isdigit() or not said.isascii():
        raise reject(
            f"{name} must be a number, not {said!r}",
            EdifactError.INVALID_VALUE,
            segment_index=trailer.index,
            byte_offset=trailer.offset,
        )
    if int(said) != actual:
        holder = f" but {of} has" if of else " but there are"
        raise reject(
            f"{name} says {int(said)} {what}{holder} {actual}",
            EdifactError.CONTROL_COUNT,
            segment_index=trailer.index,
            byte_offset=trailer.offset,
        )


def _duplicate(header: Segment, what: str, value: str) -> NoReturn:
    raise reject(
        f"{header.tag} repeats {what} {value!r} already used in this interchange",
        EdifactError.DUPLICATE,
        segment_index=header.index,
        byte_offset=header.offset,
    )


def _outside(segment: Segment) -> NoReturn:
    raise reject(
        f"{segment.tag} is outside any message (between a trailer and the next header)",
        EdifactError.OUTSIDE_MESSAGE,
        segment_index=segment.index,
        byte_offset=segment.offset,
    )
