"""UN/EDIFACT syntax: service characters, tokenizer, envelopes, serializer and builders.

``parse(data)`` turns the bytes of a file into checked ``Interchange`` objects (several per
file if need be); ``serialize`` turns them back into bytes; ``build_message``,
``build_group`` and ``build_interchange`` wrap outbound messages in envelopes whose counts and
references are computed. Syntax errors are ``contracts.errors.RejectedInput`` with their
UN/EDIFACT 0085 code and position.
"""

from ._chars import DEFAULT_CHARS, LEVEL_B_CHARS, SYNTAX_CODECS, ServiceChars
from ._model import FunctionalGroup, Interchange, Message
from ._reader import parse, tokenize
from ._writer import build_group, build_interchange, build_message, render, serialize

__all__ = [
    "DEFAULT_CHARS",
    "LEVEL_B_CHARS",
    "SYNTAX_CODECS",
    "FunctionalGroup",
    "Interchange",
    "Message",
    "ServiceChars",
    "build_group",
    "build_interchange",
    "build_message",
    "parse",
    "render",
    "serialize",
    "tokenize",
]
