"""ANSI ASC X12 syntax: the ISA header, tokenizer, envelopes, serializer and builders.

``parse(data)`` turns the bytes of a file into checked ``Interchange`` objects (ISA..IEA,
with GS..GE groups of ST..SE transaction sets); ``serialize`` turns them back into bytes;
``build_set``, ``build_group`` and ``build_interchange`` wrap outbound transaction sets in
envelopes whose counts and control numbers are computed. Errors are
``contracts.errors.RejectedInput`` with the TA1 / 997 code that fits and a position.
"""

from ._isa import ISA_WIDTHS, Separators
from ._model import FunctionalGroup, Interchange, TransactionSet
from ._reader import parse, tokenize
from ._writer import build_group, build_interchange, build_set, render, serialize

__all__ = [
    "ISA_WIDTHS",
    "FunctionalGroup",
    "Interchange",
    "Separators",
    "TransactionSet",
    "build_group",
    "build_interchange",
    "build_set",
    "parse",
    "render",
    "serialize",
    "tokenize",
]
