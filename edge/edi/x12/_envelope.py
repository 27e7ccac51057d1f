"""Check an X12 interchange's envelope and cut it into groups and transaction sets.

Each check carries the code its acknowledgement needs:

- ST..SE: SE01 counts the set's segments, ST and SE included (718 code 4); SE02 repeats
  ST02 (718 code 3); ST without SE (718 code 2); ST02 unique within the group (718 code 23);
- GS..GE: GE01 counts the sets (716 code 5); GE02 repeats GS06 (716 code 4); GS without GE
  (716 code 3); GS06 numeric (716 code 6) and unique within the interchange (716 code 19);
- ISA..IEA: IEA01 counts the groups (TA1 021); IEA02 repeats ISA13 (TA1 001); no IEA
  (TA1 023); envelope segments out of order (TA1 022); anything outside a set (TA1 024).

Control numbers are compared as numbers when both are digits (``0034`` and ``034`` are the
same set), as text otherwise.
"""

from __future__ import annotations

from itertools import compress, count
from operator import attrgetter
from typing import NoReturn

from .._codes import SyntaxCode, X12GroupError, X12InterchangeNote, X12SetError, reject
from .._segment import Party, Segment
from ._isa import IsaHeader
from ._model import FunctionalGroup, Interchange, TransactionSet

__all__ = ["read_envelope"]

_tag_of = attrgetter("tag")
_SERVICE = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})
_INTERCHANGE_LEVEL = frozenset({"TA1", "ISB", "ISE"})


def read_envelope(
    segments: list[Segment], isa: IsaHeader, *, encoding: str, offset: int
) -> Interchange:
    """The interchange these segments make (ISA first), or the first fault as an error."""
    header = segments[0]
    service = list(compress(count(), map(_SERVICE.__contains__, map(_tag_of, segments))))
    last = service[-1]
    if segments[last].tag != "IEA":
        _fail(
            f"interchange {isa.values[12]} has no IEA: the file ends after {segments[-1].tag}",
            X12InterchangeNote.PREMATURE_END,
            segments[-1],
        )
    trailer = segments[last]
    if last != len(segments) - 1:
        _outside(segments[last + 1])
    first = service[1]
    service_segments = segments[1:first]
    for segment in service_segments:
        if segment.tag not in _INTERCHANGE_LEVEL:
            _outside(segment)
    groups: list[FunctionalGroup] = []
    numbers: set[int | str] = set()
    k = 1
    while segments[service[k]].tag != "IEA":
        position = service[k]
        if segments[position].tag != "GS":
            _fail(
                f"{segments[position].tag} where GS or IEA was expected",
                X12InterchangeNote.INVALID_CONTROL_STRUCTURE,
                segments[position],
            )
        group, k = _group(segments, service, k)
        number = _number(group.control_number)
        if number in numbers:
            _fail(
                f"GS06 group control number {group.control_number} is used twice",
                X12GroupError.CONTROL_NUMBER_NOT_UNIQUE,
                group.header,
            )
        numbers.add(number)
        groups.append(group)
        if service[k] != service[k - 1] + 1:
            _outside(segments[service[k - 1] + 1])

    control_number = isa.values[12]
    _same(trailer, 1, control_number, "IEA02", "ISA13", X12InterchangeNote.CONTROL_NUMBER_MISMATCH)
    _count(trailer, 0, len(groups), "groups", "IEA01", X12InterchangeNote.GROUP_COUNT)
    values = isa.values
    return Interchange(
        separators=isa.separators,
        encoding=encoding,
        sender=Party(values[5].strip(), values[4]),
        receiver=Party(values[7].strip(), values[6]),
        date=values[8],
        time=values[9],
        version=values[11],
        control_number=control_number,
        ack_requested=values[13] == "1",
        usage=values[14],
        groups=tuple(groups),
        header=header,
        trailer=trailer,
        service_segments=tuple(service_segments),
        offset=offset,
    )


def _group(segments: list[Segment], service: list[int], k: int) -> tuple[FunctionalGroup, int]:
    """The group whose GS is ``service[k]``, and the index of what follows its GE."""
    start = service[k]
    header = segments[start]
    sets: list[TransactionSet] = []
    numbers: set[int | str] = set()
    k += 1
    previous = start
    while True:
        at = service[k]
        tag = segments[at].tag
        if at != previous + 1:
            _outside(segments[previous + 1])
        if tag == "GE":
            break
        if tag != "ST":
            _fail(
                f"group {header.value(5)} has no GE: {tag} follows it",
                X12GroupError.TRAILER_MISSING,
                segments[at],
            )
        end = service[k + 1]
        if (closing := segments[end].tag) != "SE":
            _fail(
                f"transaction set {segments[at].value(1)} has no SE: {closing} follows it",
                X12SetError.TRAILER_MISSING,
                segments[end],
            )
        transaction_set = _set(segments[at : end + 1])
        number = _number(transaction_set.control_number)
        if number in numbers:
            _fail(
                f"ST02 {transaction_set.control_number} is used twice in group {header.value(5)}",
                X12SetError.CONTROL_NUMBER_NOT_UNIQUE,
                transaction_set.header,
            )
        numbers.add(number)
        sets.append(transaction_set)
        previous = end
        k += 2
    trailer = segments[service[k]]
    control_number = header.value(5)
    if not control_number.isdigit():
        _fail(
            f"GS06 group control number {control_number!r} must be digits",
            X12GroupError.CONTROL_NUMBER_SYNTAX,
            header,
        )
    _same(trailer, 1, control_number, "GE02", "GS06", X12GroupError.CONTROL_NUMBER_MISMATCH)
    _count(trailer, 0, len(sets), "transaction sets", "GE01", X12GroupError.SET_COUNT)
    group = FunctionalGroup(
        functional_id=header.value(0),
        sender=header.value(1),
        receiver=header.value(2),
        date=header.value(3),
        time=header.value(4),
        control_number=control_number,
        agency=header.value(6),
        version=header.value(7),
        sets=tuple(sets),
        header=header,
        trailer=trailer,
    )
    return group, k + 1


def _set(segments: list[Segment]) -> TransactionSet:
    header, trailer = segments[0], segments[-1]
    set_id, control_number = header.value(0), header.value(1)
    if not (len(set_id) == 3 and set_id.isdigit()):
        _fail(
            f"ST01 {set_id!r} is not a transaction set identifier",
            X12SetError.INVALID_SET_ID,
            header,
        )
    if not control_number:
        _fail(
            "ST02 transaction set control number is missing",
            X12SetError.INVALID_CONTROL_NUMBER,
            header,
        )
    _same(trailer, 1, control_number, "SE02", "ST02", X12SetError.CONTROL_NUMBER_MISMATCH)
    _count(
        trailer,
        0,
        len(segments),
        "segments",
        "SE01",
        X12SetError.SEGMENT_COUNT,
        of=f"transaction set {control_number}",
    )
    return TransactionSet(
        id=set_id,
        control_number=control_number,
        convention=header.value(2),
        segments=tuple(segments),
    )


def _number(value: str) -> int | str:
    value = value.strip()
    return int(value) if value.isdigit() and value.isascii() else value


def _same(
    trailer: Segment, position: int, expected: str, name: str, header: str, code: SyntaxCode
) -> None:
    found = trailer.value(position)
    if _number(found) != _number(expected):
        _fail(f"{name} is {found!r} but {header} is {expected!r}", code, trailer)


def _count(
    trailer: Segment,
    position: int,
    actual: int,
    what: str,
    name: str,
    code: SyntaxCode,
    *,
    of: str = "",
) -> None:
    said = trailer.value(position)
    if not (said.isdigit() and said.isascii()):
        _fail(f"{name} must be a number, not {said!r}", code, trailer)
    if int(said) != actual:
        holder = f" but {of} has" if of else " but there are"
        _fail(f"{name} says {int(said)} {what}{holder} {actual}", code, trailer)


def _outside(segment: Segment) -> NoReturn:
    _fail(
        f"{segment.tag} is outside any transaction set", X12InterchangeNote.INVALID_CONTENT, segment
    )


def _fail(message: str, code: SyntaxCode, segment: Segment) -> NoReturn:
    raise reject(message, code, segment_index=segment.index, byte_offset=segment.offset)
