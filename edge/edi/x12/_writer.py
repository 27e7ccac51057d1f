"""Write X12: serialize interchanges, and build envelopes around outbound transaction sets.

X12 has no release character: a value holding a separator, the terminator or a control
character cannot be written, and is refused with ``RejectedInput`` (723 code 6) naming the
segment and the value, rather than sent in a form the partner would misread.

The builders pad the ISA to its fixed width and compute SE01, GE01, IEA01 and the control
numbers repeated in the trailers. Dates come from the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache

from .._codes import X12ElementError, reject
from .._segment import Party, Segment
from ._isa import ISA_WIDTHS, Separators
from ._model import FunctionalGroup, Interchange, TransactionSet

__all__ = ["build_group", "build_interchange", "build_set", "render", "serialize"]

_CONTROLS = "".join(chr(c) for c in range(0x20))


def serialize(
    interchanges: Interchange | Iterable[Interchange], *, line_break: str | None = None
) -> bytes:
    """The bytes of one or more interchanges in their own encoding.

    After every terminator comes ``line_break``, by default what the interchange's ISA was
    read with (nothing for one built in code).
    """
    if isinstance(interchanges, Interchange):
        interchanges = (interchanges,)
    out = []
    for interchange in interchanges:
        separators = interchange.separators
        ending = separators.line_break if line_break is None else line_break
        text = render(interchange.all_segments(), separators, line_break=ending)
        try:
            out.append(text.encode(interchange.encoding))
        except UnicodeEncodeError as error:
            raise reject(
                f"{error.object[error.start]!r} cannot be encoded in {interchange.encoding}",
                X12ElementError.INVALID_CHARACTER,
                path=f"$.interchanges[{interchange.control_number}]",
            ) from None
    return b"".join(out)


def render(segments: Iterable[Segment], separators: Separators, *, line_break: str = "") -> str:
    """Segments as text; the ISA's ISA11 and ISA16 are written as they are (they are
    delimiters by definition), every other value is checked."""
    elem, comp = separators.element, separators.component
    rep = separators.repetition or ""
    trouble = _trouble(separators.delimiters())
    lines = []
    for position, segment in enumerate(segments):
        if segment.tag == "ISA":
            lines.append(elem.join(["ISA", *(e[0] if e else "" for e in segment.elements)]))
            continue
        occurrences = segment.repeats or tuple((e,) for e in segment.elements)
        parts = [rep.join([comp.join(o) for o in occurrence]) for occurrence in occurrences]
        values = [v for occurrence in occurrences for o in occurrence for v in o]
        if trouble.search("".join(values)):
            value = next(v for v in values if trouble.search(v))
            raise reject(
                f"cannot write {segment.tag} (segment {position + 1} of the output): "
                f"{value!r} holds a delimiter or control character and X12 has no "
                "release character",
                X12ElementError.INVALID_CHARACTER,
                path=f"$.segments[{position}]",
            )
        lines.append(elem.join([segment.tag, *parts]))
    ending = separators.terminator + line_break
    return ending.join(lines) + ending if lines else ""


def build_set(
    set_id: str, control_number: str, body: Sequence[Segment], *, convention: str = ""
) -> TransactionSet:
    """A transaction set around ``body``: ST, and SE with the segment count."""
    header = Segment.build("ST", set_id, control_number, *([convention] if convention else []))
    trailer = Segment.build("SE", str(len(body) + 2), control_number)
    return TransactionSet(
        id=set_id,
        control_number=control_number,
        convention=convention,
        segments=(header, *body, trailer),
    )


def build_group(
    functional_id: str,
    sender: str,
    receiver: str,
    control_number: int,
    sets: Sequence[TransactionSet],
    *,
    prepared: datetime,
    version: str = "004010",
    agency: str = "X",
) -> FunctionalGroup:
    """A GS..GE group around ``sets``, its count and control number in GE."""
    number = str(control_number)
    date, time = prepared.strftime("%Y%m%d"), prepared.strftime("%H%M")
    header = Segment.build(
        "GS", functional_id, sender, receiver, date, time, number, agency, version
    )
    trailer = Segment.build("GE", str(len(sets)), number)
    return FunctionalGroup(
        functional_id=functional_id,
        sender=sender,
        receiver=receiver,
        date=date,
        time=time,
        control_number=number,
        agency=agency,
        version=version,
        sets=tuple(sets),
        header=header,
        trailer=trailer,
    )


def build_interchange(
    *,
    sender: Party,
    receiver: Party,
    control_number: int,
    prepared: datetime,
    groups: Sequence[FunctionalGroup],
    version: str = "00401",
    separators: Separators | None = None,
    usage: str = "P",
    ack_requested: bool = False,
    encoding: str = "utf-8",
) -> Interchange:
    """An interchange around ``groups``: a fixed-width ISA, and IEA with the group count.

    Without ``separators``: ``*`` ``:`` ``~``, and ``^`` repeats from version 00402 on.
    """
    if separators is None:
        separators = Separators(repetition="^" if version >= "00402" else None)
    number = f"{control_number:09d}"
    if len(number) != 9:
        raise ValueError(f"ISA13 control number {control_number} does not fit nine digits")
    standards = separators.repetition if version >= "00402" and separators.repetition else "U"
    values = [
        "00", "", "00", "",
        sender.qualifier, sender.id, receiver.qualifier, receiver.id,
        prepared.strftime("%y%m%d"), prepared.strftime("%H%M"),
        standards, version, number, "1" if ack_requested else "0", usage,
        separators.component,
    ]  # fmt: skip
    for position, (value, width) in enumerate(zip(values, ISA_WIDTHS, strict=True)):
        if len(value) > width:
            raise ValueError(f"ISA{position + 1:02d} {value!r} is longer than {width}")
    header = Segment.build("ISA", *(v.ljust(w) for v, w in zip(values, ISA_WIDTHS, strict=True)))
    trailer = Segment.build("IEA", str(len(groups)), number)
    return Interchange(
        separators=separators,
        encoding=encoding,
        sender=sender,
        receiver=receiver,
        date=values[8],
        time=values[9],
        version=version,
        control_number=number,
        ack_requested=ack_requested,
        usage=usage,
        groups=tuple(groups),
        header=header,
        trailer=trailer,
    )


@lru_cache(maxsize=32)
def _trouble(delimiters: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(delimiters + _CONTROLS) + "]")
