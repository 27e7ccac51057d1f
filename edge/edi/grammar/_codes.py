"""The error codes a grammar check reports, from the lists the acknowledgements carry.

``edge.edi._codes`` holds the codes the *syntax* layer meets; a grammar meets more (too many
repetitions, too long, invalid date...). They are listed here, complete for what the
validator reports, so a ``Violation`` can be turned into a CONTRL UCS / UCD or a 997 AK3 /
AK4 (999 IK3 / IK4) without reading its text:

=====================  ============  =============================================
enum                   code list     acknowledgement
=====================  ============  =============================================
``EdifactCode``        0085          CONTRL UCM / UCS / UCD
``SegmentCode``        X12 720       997 AK304 / 999 IK304
``ElementCode``        X12 723       997 AK403 / 999 IK403
``SetCode``            X12 718       997 AK502 / 999 IK502 (unknown set, bad envelope)
=====================  ============  =============================================
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["EdifactCode", "ElementCode", "SegmentCode", "SetCode"]


class EdifactCode(StrEnum):
    """UN/EDIFACT 0085, syntax error coded."""

    INVALID_VALUE = "12"
    MISSING = "13"
    VALUE_NOT_SUPPORTED = "14"
    NOT_SUPPORTED_IN_POSITION = "15"
    TOO_MANY_CONSTITUENTS = "16"
    TOO_MANY_REPETITIONS = "35"
    TOO_MANY_GROUP_REPETITIONS = "36"
    INVALID_CHARACTER_TYPE = "37"
    MISSING_DIGIT_BEFORE_DECIMAL = "38"
    TOO_LONG = "39"
    TOO_SHORT = "40"


class SegmentCode(StrEnum):
    """X12 720, segment syntax error code."""

    UNRECOGNIZED = "1"
    UNEXPECTED = "2"
    MANDATORY_MISSING = "3"
    LOOP_OVER_MAXIMUM = "4"
    OVER_MAXIMUM_USE = "5"
    OUT_OF_SEQUENCE = "7"
    HAS_ELEMENT_ERRORS = "8"


class ElementCode(StrEnum):
    """X12 723, data element syntax error code (12 and 13 exist from 005010 on)."""

    MANDATORY_MISSING = "1"
    CONDITIONAL_MISSING = "2"
    TOO_MANY_ELEMENTS = "3"
    TOO_SHORT = "4"
    TOO_LONG = "5"
    INVALID_CHARACTER = "6"
    INVALID_CODE = "7"
    INVALID_DATE = "8"
    INVALID_TIME = "9"
    EXCLUSION_VIOLATED = "10"
    TOO_MANY_REPETITIONS = "12"
    TOO_MANY_COMPONENTS = "13"


class SetCode(StrEnum):
    """X12 718, transaction set syntax error code."""

    NOT_SUPPORTED = "1"
    SEGMENTS_IN_ERROR = "5"
