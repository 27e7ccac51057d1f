"""Read EDIFACT bytes into interchanges: bytes in, checked structures out.

A file may hold several interchanges, each with its own UNA and its own syntax identifier,
so each is handled on its own: its UNA (if any) gives the delimiters; its UNB, read once in
ISO 8859-1 (every byte one character, the separators are ASCII), gives the syntax
identifier and version; the interchange's extent (up to the end of its UNZ) is found on the
bytes; only then is it decoded with the codec of its syntax level, checked against the
level's character set, cut into segments and its envelope checked.

UTF-8 and the ISO 8859 parts keep ASCII bytes as they are and never use them inside a
multi-byte character, so the delimiters can be found on the bytes before decoding.
"""

from __future__ import annotations

import re
from operator import attrgetter

from contracts.errors import RejectedInput

from .._bulk import LARGE_BYTES, collector_paused
from .._codes import EdifactError, attribute, reject
from .._controls import first_forbidden_byte
from .._offsets import ByteOffsets
from .._segment import Segment
from .._tokenize import Delimiters, TokenError, first_bad_tag, split_segments
from ._chars import (
    DEFAULT_CHARS,
    LEVEL_B_CHARS,
    SYNTAX_CODECS,
    ServiceChars,
    allowed_bytes,
    in_force,
    parse_una,
)
from ._envelope import read_envelope
from ._model import Interchange

__all__ = ["parse", "tokenize"]

_BOM = b"\xef\xbb\xbf"
_BLANKS = re.compile(rb"[ \t\r\n]*")
_TAG = re.compile(r"[A-Z0-9]{3}")
_tag_of = attrgetter("tag")


def parse(
    data: bytes,
    *,
    partner: str | None = None,
    source: str | None = None,
    strict_charset: bool = True,
) -> list[Interchange]:
    """Every interchange of an EDIFACT file, envelopes checked.

    Raises ``RejectedInput`` (with ``code`` from UN/EDIFACT 0085, ``segment_index`` and
    ``byte_offset``) for the first syntax or envelope error. ``strict_charset=False`` lets
    level A and B interchanges carry any ASCII character (some partners send lower case
    under UNOA); control characters are refused at every level.
    """
    try:
        with collector_paused(len(data) >= LARGE_BYTES):
            return _Reader(data, strict_charset=strict_charset).read()
    except RejectedInput as error:
        attribute(error, partner=partner, source=source)
        raise


def tokenize(text: str, chars: ServiceChars | None = None) -> list[Segment]:
    """The segments of a text, without envelope checks; offsets are character offsets.

    For text that is already decoded, and for comparing with other tokenizers. Without
    ``chars`` the text's UNA (if any) and its first UNB's syntax version decide.
    """
    start = 0
    if chars is None:
        una = text.startswith("UNA") and len(text) >= 9
        chars, advised = parse_una(text[3:9], 0) if una else (DEFAULT_CHARS, None)
        if una:
            start = 9
        version = re.search(r"UNB.UNO[A-Z].([0-9])", text[start : start + 200])
        chars = in_force(chars, advised, una=una, version=version.group(1) if version else "")
    offsets = ByteOffsets(text, 0, utf8=False)
    try:
        return split_segments(
            text, start, len(text), _delimiters(chars), first_index=0, offsets=offsets
        )
    except TokenError as error:
        raise _token_error(error, 0, offsets) from None


class _Reader:
    def __init__(self, data: bytes, *, strict_charset: bool) -> None:
        self.data = data
        self.strict = strict_charset
        self.index = 0  # segments read so far, for file-wide segment indexes

    def read(self) -> list[Interchange]:
        data = self.data
        pos = self._skip(len(_BOM) if data.startswith(_BOM) else 0)
        if pos >= len(data):
            raise reject("the file holds no interchange", EdifactError.MISSING, byte_offset=pos)
        interchanges = []
        while pos < len(data):
            interchange, pos = self._interchange(pos)
            interchanges.append(interchange)
            pos = self._skip(pos)
        return interchanges

    def _skip(self, pos: int) -> int:
        match = _BLANKS.match(self.data, pos)
        return match.end() if match else pos

    def _interchange(self, start: int) -> tuple[Interchange, int]:
        data = self.data
        pos = start
        una = data.startswith(b"UNA", pos)
        advised: str | None = None
        chars = DEFAULT_CHARS
        if una:
            if len(data) < pos + 9:
                raise reject(
                    "the file ends inside the UNA service string advice",
                    EdifactError.MISSING,
                    byte_offset=pos,
                )
            chars, advised = parse_una(data[pos + 3 : pos + 9].decode("latin-1"), pos)
            pos = self._skip(pos + 9)
        if not data.startswith(b"UNB", pos):
            found = data[pos : pos + 12].decode("latin-1")
            raise reject(
                f"an interchange must begin with UNB (after an optional UNA); found {found!r}",
                EdifactError.MISSING,
                segment_index=self.index,
                byte_offset=pos,
            )
        if not una:
            chars = LEVEL_B_CHARS if data[pos + 3 : pos + 4] == b"\x1d" else DEFAULT_CHARS
        header = self._header(pos, chars)
        syntax_id, version = header.value(0, 0), header.value(0, 1)
        codec = SYNTAX_CODECS.get(syntax_id)
        if codec is None or version not in ("1", "2", "3", "4"):
            what = f"syntax identifier {syntax_id!r}" if codec is None else f"version {version!r}"
            raise reject(
                f"UNB S001 {what} is not supported (UNOA to UNOK, UNOW and UNOY, "
                "versions 1 to 4 are)",
                EdifactError.SYNTAX_NOT_SUPPORTED,
                segment_index=self.index,
                byte_offset=pos,
            )
        chars = in_force(chars, advised, una=una, version=version)
        end = self._end_of_interchange(pos, chars)
        text = self._decode(pos, end, codec, syntax_id, chars)
        offsets = ByteOffsets(text, pos, utf8=codec == "utf-8")
        try:
            tags: set[str] = set()
            segments = split_segments(
                text,
                0,
                len(text),
                _delimiters(chars),
                first_index=self.index,
                offsets=offsets,
                tags=tags,
            )
        except TokenError as error:
            raise _token_error(error, self.index, offsets) from None
        _check_tags(segments, tags)
        interchange = read_envelope(segments, chars=chars, una=una, encoding=codec, offset=start)
        self.index += len(segments)
        return interchange, end

    def _header(self, pos: int, chars: ServiceChars) -> Segment:
        """The UNB alone, read as ISO 8859-1 (enough to learn the syntax identifier)."""
        end = _find_terminator(self.data, pos, chars)
        text = self.data[pos:end].decode("latin-1")
        offsets = ByteOffsets(text, pos, utf8=False)
        try:
            return split_segments(
                text, 0, len(text), _delimiters(chars), first_index=self.index, offsets=offsets
            )[0]
        except TokenError as error:
            raise _token_error(error, self.index, offsets) from None

    def _end_of_interchange(self, pos: int, chars: ServiceChars) -> int:
        """Where the interchange's UNZ ends (after its terminator), or the end of the file.

        ``UNZ`` + element separator is looked for with ``bytes.find`` (rare in data, so this
        is a C-speed skip over the interchange); a hit counts only if a terminator that no
        release character escapes precedes it, blanks aside.
        """
        data = self.data
        term = chars.terminator.encode("latin-1")
        release = (chars.release or "").encode("latin-1")
        needle = b"UNZ" + chars.element.encode("latin-1")
        search = pos
        while (found := data.find(needle, search)) >= 0:
            before = found
            while (
                before > pos
                and data[before - 1] in b" \t\r\n"
                and data[before - 1 : before] != term
            ):
                before -= 1
            if data[before - len(term) : before] == term and not (
                release and _escaped(data, before - len(term), release)
            ):
                end = _find_terminator(data, found, chars)
                return min(end + len(term), len(data))
            search = found + 1
        return len(data)

    def _decode(self, pos: int, end: int, codec: str, syntax_id: str, chars: ServiceChars) -> str:
        """The interchange's text, after checking its bytes against its character set."""
        raw = self.data[pos:end]
        term = chars.terminator.encode("latin-1")
        allowed = allowed_bytes(syntax_id, chars.delimiters(), strict=self.strict)
        bad = first_forbidden_byte(raw, allowed)
        if bad >= 0:
            byte = raw[bad : bad + 1]
            shown = repr(byte.decode("latin-1")) if byte.isascii() else f"byte 0x{byte[0]:02X}"
            raise reject(
                f"{shown} is not allowed in an interchange of syntax level {syntax_id}",
                EdifactError.INVALID_CHARACTER,
                segment_index=self.index + raw.count(term, 0, bad),
                byte_offset=pos + bad,
            )
        try:
            return raw.decode(codec)
        except UnicodeDecodeError as error:
            raise reject(
                f"the bytes are not valid {codec}, which {syntax_id} declares: {error.reason}",
                EdifactError.INVALID_CHARACTER,
                segment_index=self.index + raw.count(term, 0, error.start),
                byte_offset=pos + error.start,
            ) from None


def _check_tags(segments: list[Segment], tags: set[str]) -> None:
    """Every distinct tag against the pattern; only a bad one sends us looking for it."""
    segment = first_bad_tag(segments, tags, _TAG)
    if segment is not None:
        raise reject(
            f"{segment.tag!r} is not a segment tag (three capital letters or digits)",
            EdifactError.INVALID_VALUE,
            segment_index=segment.index,
            byte_offset=segment.offset,
        )


def _delimiters(chars: ServiceChars) -> Delimiters:
    return Delimiters(
        terminator=chars.terminator,
        element=chars.element,
        component=chars.component,
        repetition=chars.repetition,
        release=chars.release,
    )


def _token_error(error: TokenError, first_index: int, offsets: ByteOffsets) -> RejectedInput:
    return reject(
        error.reason,
        EdifactError.MISSING if error.empty else EdifactError.INVALID_VALUE,
        segment_index=first_index + error.segment,
        byte_offset=offsets.one(error.position),
    )


def _find_terminator(data: bytes, pos: int, chars: ServiceChars) -> int:
    """Index of the first terminator at or after ``pos`` that no release char escapes."""
    term = chars.terminator.encode("latin-1")
    release = (chars.release or "").encode("latin-1")
    while (found := data.find(term, pos)) >= 0:
        if not release or not _escaped(data, found, release):
            return found
        pos = found + 1
    return len(data)


def _escaped(data: bytes, position: int, release: bytes) -> bool:
    run = 0
    while position - run > 0 and data[position - run - 1 : position - run] == release:
        run += 1
    return run % 2 == 1
