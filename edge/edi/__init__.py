"""EDIFACT and X12: syntax, envelopes, grammars, acknowledgements, mappings. No I/O."""

from . import ack, edifact, grammar, mapping, x12
from ._codes import (
    EdifactError,
    SyntaxCode,
    X12ElementError,
    X12GroupError,
    X12InterchangeNote,
    X12SegmentError,
    X12SetError,
    code_list,
)
from ._segment import Element, Party, Segment
from ._sniff import EdiSyntax, sniff

__all__ = [
    "EdiSyntax",
    "EdifactError",
    "Element",
    "Party",
    "Segment",
    "SyntaxCode",
    "X12ElementError",
    "X12GroupError",
    "X12InterchangeNote",
    "X12SegmentError",
    "X12SetError",
    "ack",
    "code_list",
    "edifact",
    "grammar",
    "mapping",
    "sniff",
    "x12",
]
