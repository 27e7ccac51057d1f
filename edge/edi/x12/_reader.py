"""Read X12 bytes into interchanges: bytes in, checked structures out.

X12 declares no character set. The file is decoded as UTF-8 when it is valid UTF-8 (plain
ASCII is), else as ISO 8859-1, unless the caller names the partner's encoding; the ISA's
fixed width is counted in characters, so a sender name with an accent does not break it.
Each interchange's ISA defines its own separators; its extent runs to the end of its IEA.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from operator import attrgetter

from contracts.errors import RejectedInput

from .._bulk import LARGE_BYTES, collector_paused
from .._codes import X12ElementError, X12InterchangeNote, X12SegmentError, attribute, reject
from .._controls import control_bytes_allowed, first_forbidden_byte
from .._offsets import ByteOffsets
from .._segment import Segment
from .._tokenize import Delimiters, TokenError, first_bad_tag, split_segments
from ._envelope import read_envelope
from ._isa import Separators, read_isa
from ._model import Interchange

__all__ = ["parse", "tokenize"]

_BOM = b"\xef\xbb\xbf"
_BLANKS = re.compile(r"[ \t\r\n]*")
_BLANK_CHARS = " \t\r\n"
_TAG = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_tag_of = attrgetter("tag")


def parse(
    data: bytes,
    *,
    encoding: str | None = None,
    partner: str | None = None,
    source: str | None = None,
) -> list[Interchange]:
    """Every interchange of an X12 file, envelopes checked.

    Raises ``RejectedInput`` for the first syntax or envelope error, its ``code`` from the
    list its acknowledgement uses (TA1 I18, 997 716 / 718 / 720 / 723: see ``code_list``).
    """
    try:
        with collector_paused(len(data) >= LARGE_BYTES):
            return _Reader(data, encoding).read()
    except RejectedInput as error:
        attribute(error, partner=partner, source=source)
        raise


def tokenize(text: str, separators: Separators) -> list[Segment]:
    """The segments of a text (no ISA handling, no envelope checks); character offsets."""
    offsets = ByteOffsets(text, 0, utf8=False)
    try:
        return split_segments(
            text, 0, len(text), _delimiters(separators), first_index=0, offsets=offsets
        )
    except TokenError as error:
        raise _token_error(error, 0, offsets) from None


class _Reader:
    def __init__(self, data: bytes, encoding: str | None) -> None:
        base = len(_BOM) if data.startswith(_BOM) else 0
        self.data = data
        self.text, self.encoding = _decode(data, base, encoding)
        self.offsets = ByteOffsets(self.text, base, utf8=self.encoding == "utf-8")
        self.index = 0

    def read(self) -> list[Interchange]:
        text = self.text
        pos = self._skip(0)
        if pos >= len(text):
            raise reject(
                "the file holds no interchange",
                X12InterchangeNote.PREMATURE_END,
                byte_offset=self.offsets.one(pos),
            )
        interchanges = []
        while pos < len(text):
            interchange, pos = self._interchange(pos)
            interchanges.append(interchange)
            pos = self._skip(pos)
        return interchanges

    def _skip(self, pos: int) -> int:
        match = _BLANKS.match(self.text, pos)
        return match.end() if match else pos

    def _interchange(self, start: int) -> tuple[Interchange, int]:
        text, offsets = self.text, self.offsets
        if not text.startswith("ISA", start):
            raise reject(
                f"an interchange must begin with ISA; found {text[start : start + 12]!r}",
                X12InterchangeNote.INVALID_CONTROL_STRUCTURE,
                segment_index=self.index,
                byte_offset=offsets.one(start),
            )
        isa = read_isa(text, start, offsets, self.index)
        separators = isa.separators
        header = Segment("ISA", tuple((v,) for v in isa.values), self.index, offsets.one(start))
        end = self._end_of_interchange(isa.end - 1, separators)
        try:
            tags: set[str] = set()
            segments = split_segments(
                text,
                isa.end,
                end,
                _delimiters(separators),
                first_index=self.index + 1,
                offsets=offsets,
                tags=tags,
            )
        except TokenError as error:
            raise _token_error(error, self.index + 1, offsets) from None
        segments.insert(0, header)
        tags.add("ISA")
        self._check_characters(isa.end, end, segments, separators)
        _check_tags(segments, tags)
        interchange = read_envelope(
            segments, isa, encoding=self.encoding, offset=offsets.one(start)
        )
        self.index += len(segments)
        return interchange, end

    def _end_of_interchange(self, pos: int, separators: Separators) -> int:
        """Where the interchange's IEA ends (after its terminator), or the end of the text.

        ``IEA`` + element separator is looked for with ``str.find`` (a C-speed skip); a hit
        counts when the terminator precedes it, blanks aside.
        """
        text, term = self.text, separators.terminator
        needle = "IEA" + separators.element
        search = pos
        while (found := text.find(needle, search)) >= 0:
            before = found
            while before > pos and text[before - 1] in _BLANK_CHARS and text[before - 1] != term:
                before -= 1
            if text[before - 1 : before] == term:
                end = text.find(term, found)
                return len(text) if end < 0 else end + 1
            search = found + 1
        return len(text)

    def _check_characters(
        self, start: int, end: int, segments: list[Segment], separators: Separators
    ) -> None:
        """Control characters are checked on the bytes, in C (see ``first_forbidden_byte``)."""
        first, last = self.offsets.one(start), self.offsets.one(end)
        allowed = control_bytes_allowed(separators.delimiters().encode(self.encoding))
        bad = first_forbidden_byte(self.data[first:last], allowed)
        if bad < 0:
            return
        offset = first + bad
        at = bisect_right([s.offset or 0 for s in segments], offset) - 1
        raise reject(
            f"control character {self.data[offset : offset + 1]!r} is not allowed in X12 data",
            X12ElementError.INVALID_CHARACTER,
            segment_index=segments[max(at, 0)].index,
            byte_offset=offset,
        )


def _decode(data: bytes, base: int, encoding: str | None) -> tuple[str, str]:
    raw = data[base:]
    if encoding is None:
        if raw.isascii():
            return raw.decode("ascii"), "utf-8"
        try:
            return raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            return raw.decode("iso8859-1"), "iso8859-1"
    try:
        return raw.decode(encoding), encoding
    except UnicodeDecodeError as error:
        raise reject(
            f"the bytes are not valid {encoding}: {error.reason}",
            X12ElementError.INVALID_CHARACTER,
            byte_offset=base + error.start,
        ) from None


def _check_tags(segments: list[Segment], tags: set[str]) -> None:
    """Every distinct tag against the pattern; only a bad one sends us looking for it."""
    segment = first_bad_tag(segments, tags, _TAG)
    if segment is not None:
        raise reject(
            f"{segment.tag!r} is not a segment tag (two or three capitals or digits)",
            X12SegmentError.UNRECOGNIZED_SEGMENT_ID,
            segment_index=segment.index,
            byte_offset=segment.offset,
        )


def _delimiters(separators: Separators) -> Delimiters:
    return Delimiters(
        terminator=separators.terminator,
        element=separators.element,
        component=separators.component,
        repetition=separators.repetition,
    )


def _token_error(error: TokenError, first_index: int, offsets: ByteOffsets) -> RejectedInput:
    return reject(
        error.reason,
        X12SegmentError.UNRECOGNIZED_SEGMENT_ID,
        segment_index=first_index + error.segment,
        byte_offset=offsets.one(error.position),
    )
