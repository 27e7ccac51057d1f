"""Standard error codes for syntax errors, and the one way to raise them.

Every syntax or envelope error becomes a ``contracts.errors.RejectedInput`` whose ``code``
is the code of the standard list an acknowledgement will carry, so CONTRL, TA1, 997 and 999
can be built from the error without reading its text:

=====================  =========================  ======================================
enum                   code list                  acknowledgement
=====================  =========================  ======================================
``EdifactError``       UN/EDIFACT 0085            CONTRL UCI / UCM / UCS / UCD
``X12InterchangeNote`` X12 I18                    TA1 (TA105)
``X12GroupError``      X12 716                    997 / 999 AK9
``X12SetError``        X12 718                    997 AK5 / 999 IK5
``X12SegmentError``    X12 720                    997 AK3 / 999 IK3
``X12ElementError``    X12 723                    997 AK4 / 999 IK4
=====================  =========================  ======================================

The error also carries ``code_list`` (the list's number) and the position fields
``segment_index`` (0-based, as ``Segment.index``) and ``byte_offset``; its message counts
segments from 1, as people do.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from contracts.errors import RejectedInput

__all__ = [
    "EdifactError",
    "SyntaxCode",
    "X12ElementError",
    "X12GroupError",
    "X12InterchangeNote",
    "X12SegmentError",
    "X12SetError",
    "attribute",
    "code_list",
    "reject",
]


class EdifactError(StrEnum):
    """UN/EDIFACT data element 0085, syntax error coded (the subset a syntax layer meets)."""

    SYNTAX_NOT_SUPPORTED = "2"
    INVALID_VALUE = "12"
    MISSING = "13"
    NOT_SUPPORTED_IN_POSITION = "15"
    TOO_MANY_CONSTITUENTS = "16"
    UNSPECIFIED = "18"
    INVALID_SERVICE_CHARACTER = "20"
    INVALID_CHARACTER = "21"
    DUPLICATE = "26"
    REFERENCES_DO_NOT_MATCH = "28"
    CONTROL_COUNT = "29"
    GROUPS_AND_MESSAGES_MIXED = "30"
    LOWER_LEVEL_EMPTY = "32"
    OUTSIDE_MESSAGE = "33"


class X12InterchangeNote(StrEnum):
    """X12 I18, interchange note code (TA105)."""

    CONTROL_NUMBER_MISMATCH = "001"
    VERSION_NOT_SUPPORTED = "003"
    INVALID_SEGMENT_TERMINATOR = "004"
    INVALID_SENDER_QUALIFIER = "005"
    INVALID_SENDER_ID = "006"
    INVALID_RECEIVER_QUALIFIER = "007"
    INVALID_RECEIVER_ID = "008"
    INVALID_AUTHORIZATION_QUALIFIER = "010"
    INVALID_SECURITY_QUALIFIER = "012"
    INVALID_DATE = "014"
    INVALID_TIME = "015"
    INVALID_STANDARDS_ID = "016"
    INVALID_VERSION = "017"
    INVALID_CONTROL_NUMBER = "018"
    INVALID_ACK_REQUESTED = "019"
    INVALID_TEST_INDICATOR = "020"
    GROUP_COUNT = "021"
    INVALID_CONTROL_STRUCTURE = "022"
    PREMATURE_END = "023"
    INVALID_CONTENT = "024"
    DUPLICATE_CONTROL_NUMBER = "025"
    INVALID_ELEMENT_SEPARATOR = "026"
    INVALID_COMPONENT_SEPARATOR = "027"


class X12GroupError(StrEnum):
    """X12 716, functional group syntax error code (997 AK9 / 999 AK9)."""

    TRAILER_MISSING = "3"
    CONTROL_NUMBER_MISMATCH = "4"
    SET_COUNT = "5"
    CONTROL_NUMBER_SYNTAX = "6"
    CONTROL_NUMBER_NOT_UNIQUE = "19"


class X12SetError(StrEnum):
    """X12 718, transaction set syntax error code (997 AK5 / 999 IK5)."""

    TRAILER_MISSING = "2"
    CONTROL_NUMBER_MISMATCH = "3"
    SEGMENT_COUNT = "4"
    SEGMENTS_IN_ERROR = "5"
    INVALID_SET_ID = "6"
    INVALID_CONTROL_NUMBER = "7"
    CONTROL_NUMBER_NOT_UNIQUE = "23"


class X12SegmentError(StrEnum):
    """X12 720, segment syntax error code (997 AK3 / 999 IK3)."""

    UNRECOGNIZED_SEGMENT_ID = "1"
    UNEXPECTED_SEGMENT = "2"
    SEGMENT_HAS_ELEMENT_ERRORS = "8"


class X12ElementError(StrEnum):
    """X12 723, data element syntax error code (997 AK4 / 999 IK4)."""

    MANDATORY_MISSING = "1"
    TOO_MANY_ELEMENTS = "3"
    INVALID_CHARACTER = "6"


SyntaxCode = (
    EdifactError
    | X12InterchangeNote
    | X12GroupError
    | X12SetError
    | X12SegmentError
    | X12ElementError
)

_CODE_LISTS: dict[type[StrEnum], str] = {
    EdifactError: "0085",
    X12InterchangeNote: "I18",
    X12GroupError: "716",
    X12SetError: "718",
    X12SegmentError: "720",
    X12ElementError: "723",
}


def code_list(code: SyntaxCode) -> str:
    """The standard list a code belongs to: ``0085``, ``I18``, ``716``, ``718``..."""
    return _CODE_LISTS[type(code)]


def reject(
    message: str,
    code: SyntaxCode,
    *,
    segment_index: int | None = None,
    byte_offset: int | None = None,
    **fields: Any,
) -> RejectedInput:
    """A ``RejectedInput`` for a syntax error, with its standard code and position.

    The position is appended to the message in words, so a log line or a reason file says
    where without the reader knowing our field names.
    """
    where = []
    if segment_index is not None:
        where.append(f"segment {segment_index + 1}")
    if byte_offset is not None:
        where.append(f"byte {byte_offset}")
    text = f"{message} ({', '.join(where)})" if where else message
    return RejectedInput(
        text,
        segment_index=segment_index,
        byte_offset=byte_offset,
        code=code.value,
        code_list=code_list(code),
        **fields,
    )


def attribute(error: RejectedInput, *, partner: str | None, source: str | None) -> None:
    """Stamp who sent the input and where it came from on an error raised deeper down."""
    if partner is not None and error.partner is None:
        error.partner = partner
        error.fields["partner"] = partner
    if source is not None and error.source is None:
        error.source = source
        error.fields["source"] = source
