"""Service characters (UNA) and syntax identifiers (UNB S001): how to read the bytes.

The UNA service string advice is optional and exactly nine characters: ``UNA``, then the
component separator, element separator, decimal mark, release character, repetition
separator (syntax 4; a space before) and segment terminator. Without it the defaults apply:
``:+.? '`` (``*`` repeats in syntax 4), or the information separators IS1/IS3/IS4 when the
interchange is level B and its UNB says so by using IS3 right after the tag.

The syntax identifier decides the character set, so it decides how the bytes are decoded;
the two restricted levels (UNOA, UNOB) are checked character by character, because a partner
who declares UNOA and sends lower case or accents has a bug the acknowledgement should name.
"""

from __future__ import annotations

import re
from functools import lru_cache

import msgspec

from .._codes import EdifactError, reject
from .._controls import control_bytes_allowed, control_characters

__all__ = [
    "DEFAULT_CHARS",
    "LEVEL_B_CHARS",
    "SYNTAX_CODECS",
    "ServiceChars",
    "allowed_bytes",
    "forbidden_characters",
    "in_force",
    "parse_una",
]


class ServiceChars(msgspec.Struct, frozen=True):
    """The delimiters of one interchange, as in force (not merely as advised)."""

    component: str = ":"
    element: str = "+"
    decimal_mark: str = "."
    """Recorded for the grammars; input accepts both ``.`` and ``,`` whatever it says."""
    release: str | None = "?"
    """``None`` when the interchange has no release character (UNA4 is a space)."""
    repetition: str | None = None
    """The repetition separator when it is in force: syntax 4 only, ``None`` otherwise."""
    terminator: str = "'"

    def una(self) -> str:
        """The nine-character service string advice for these characters."""
        return "UNA" + "".join(
            (
                self.component,
                self.element,
                self.decimal_mark,
                self.release or " ",
                self.repetition or " ",
                self.terminator,
            )
        )

    def delimiters(self) -> str:
        """Every character that separates or escapes, in one string."""
        return "".join(
            c
            for c in (self.component, self.element, self.release, self.repetition, self.terminator)
            if c
        )


DEFAULT_CHARS = ServiceChars()
"""``UNA:+.? '``, the defaults of syntax levels A and C onwards."""

LEVEL_B_CHARS = ServiceChars(
    component="\x1f", element="\x1d", release=None, repetition=None, terminator="\x1c"
)
"""Level B's default separators IS1, IS3 and IS4 (no release character)."""

SYNTAX_CODECS: dict[str, str] = {
    "UNOA": "ascii",
    "UNOB": "ascii",
    "UNOC": "iso8859-1",
    "UNOD": "iso8859-2",
    "UNOE": "iso8859-5",
    "UNOF": "iso8859-7",
    "UNOG": "iso8859-3",
    "UNOH": "iso8859-4",
    "UNOI": "iso8859-6",
    "UNOJ": "iso8859-8",
    "UNOK": "iso8859-9",
    "UNOW": "utf-8",
    "UNOY": "utf-8",
}
"""Syntax identifier (UNB S001 0001) -> Python codec of its character repertoire."""

_LEVEL_A = "A-Z0-9 .,\\-()/='+:?!\"%&*;<>"
_LEVEL_B = _LEVEL_A + "a-z_"
_LEVEL_A_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-()/='+:?!\"%&*;<>"
_LEVEL_B_BYTES = _LEVEL_A_BYTES + b"abcdefghijklmnopqrstuvwxyz_"
_ASCII_BYTES = bytes(range(0x20, 0x80))


def parse_una(advice: str, offset: int) -> tuple[ServiceChars, str | None]:
    """The characters of a UNA's six positions, and the raw repetition character.

    The repetition separator only comes into force with syntax 4, which the UNB says after
    the UNA, so it is returned aside and applied by ``in_force``.
    """
    component, element, decimal_mark, release, repetition, terminator = tuple(advice)
    given = {"component separator": component, "element separator": element}
    given["segment terminator"] = terminator
    if release != " ":
        given["release character"] = release
    if repetition != " ":
        given["repetition separator"] = repetition
    for name, char in given.items():
        if char.isalnum() or char == " ":
            raise reject(
                f"UNA gives {char!r} as {name}; letters, digits and space cannot separate",
                EdifactError.INVALID_SERVICE_CHARACTER,
                segment_index=None,
                byte_offset=offset,
            )
    chars = list(given.values())
    if len(set(chars)) != len(chars):
        raise reject(
            f"UNA {advice!r} uses the same character for two different service functions",
            EdifactError.INVALID_SERVICE_CHARACTER,
            byte_offset=offset,
        )
    found = ServiceChars(
        component=component,
        element=element,
        decimal_mark=decimal_mark,
        release=None if release == " " else release,
        repetition=None,
        terminator=terminator,
    )
    return found, None if repetition == " " else repetition


def in_force(
    chars: ServiceChars, advised_repetition: str | None, *, una: bool, version: str
) -> ServiceChars:
    """Apply the syntax version: repetition exists from syntax 4 on (``*`` without UNA)."""
    if version != "4":
        return chars
    repetition = advised_repetition if una else "*"
    if repetition is None or repetition in chars.delimiters():
        return chars
    return msgspec.structs.replace(chars, repetition=repetition)


@lru_cache(maxsize=64)
def forbidden_characters(syntax_id: str, delimiters: str) -> re.Pattern[str]:
    """What may not appear in an interchange of this level (its delimiters always may).

    Control characters are never data; CR and LF are allowed as line breaks between or
    inside segments (the tokenizer drops them). Levels A and B also restrict the letters.
    """
    allowed = re.escape(delimiters) + "\r\n"
    if syntax_id == "UNOA":
        return re.compile(f"[^{_LEVEL_A}{allowed}]")
    if syntax_id == "UNOB":
        return re.compile(f"[^{_LEVEL_B}{allowed}]")
    return control_characters(delimiters)


@lru_cache(maxsize=64)
def allowed_bytes(syntax_id: str, delimiters: str, *, strict: bool) -> bytes:
    """The bytes an interchange of this level may contain, for a check on the raw bytes.

    Levels A and B are 7-bit and, when ``strict``, limited to their repertoires; the other
    levels only exclude control characters. Delimiters, CR and LF are always allowed.
    """
    service = delimiters.encode("latin-1")
    if syntax_id in ("UNOA", "UNOB"):
        if not strict:
            return _ASCII_BYTES + b"\t\r\n" + service
        level = _LEVEL_A_BYTES if syntax_id == "UNOA" else _LEVEL_B_BYTES
        return level + b"\r\n" + service
    return control_bytes_allowed(service)
