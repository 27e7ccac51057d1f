"""Turn decoded text into segments: the hot loop both standards share.

Speed comes from leaving the characters to C: the text is cut with ``str.split`` at the
segment terminator (or at terminator + line break when every segment ends that way), each
segment with one ``split`` per element separator and one per element at the component
separator. Python code runs per segment and per element, never per character.

Identical segments are cut only once (files repeat the same parties, dates, qualifiers and
articles message after message); equal segments share their immutable tag and elements, and
the segments themselves are built by ``map`` in C, so Python code runs per distinct segment.

Rare things take a slower path only where they occur:

- a release character (EDIFACT ``?``) is looked for once in the whole text; when present, a
  terminator it escapes is glued back to its segment and only the segments that contain it
  are scanned with a regular expression that understands escapes;
- a repetition separator is handled the same way, per segment that contains one;
- line breaks that are not a delimiter are format effectors (``'`` + CRLF after each
  segment, or a file wrapped at 80 columns): when they do not all sit right after a
  terminator, every segment is cleaned of them one by one; so is every segment when a
  blank follows a terminator, which the distinct tags reveal after the cut.

Errors here are ``TokenError`` with a position in the text; each standard turns them into
its own ``RejectedInput`` with its own codes.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate, count
from operator import add, attrgetter

from ._offsets import ByteOffsets
from ._segment import Element, Segment

__all__ = ["Delimiters", "TokenError", "first_bad_tag", "split_segments"]

_Repeats = tuple[tuple[Element, ...], ...] | None

_EMPTY = "empty segment: two segment terminators in a row"
_tag_of = attrgetter("tag")


class TokenError(Exception):
    """A text that cannot be cut into segments; ``position`` is an index into the text."""

    def __init__(self, reason: str, position: int, segment: int, *, empty: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position
        self.segment = segment
        """How many segments precede the faulty one (0-based index within the text)."""
        self.empty = empty
        """The fault is a segment with nothing in it (two terminators in a row)."""


class Delimiters:
    """The separators in force while cutting one stretch of text."""

    __slots__ = ("component", "element", "release", "repetition", "terminator")

    def __init__(
        self,
        *,
        terminator: str,
        element: str,
        component: str,
        repetition: str | None = None,
        release: str | None = None,
    ) -> None:
        self.terminator = terminator
        self.element = element
        self.component = component
        self.repetition = repetition
        self.release = release

    def chars(self) -> str:
        return "".join(
            c
            for c in (self.terminator, self.element, self.component, self.repetition, self.release)
            if c
        )


def split_segments(
    text: str,
    start: int,
    end: int,
    delimiters: Delimiters,
    *,
    first_index: int,
    offsets: ByteOffsets,
    tags: set[str] | None = None,
) -> list[Segment]:
    """Cut ``text[start:end]`` into segments numbered from ``first_index``.

    Whitespace before the first segment and after the last terminator is ignored; a last
    segment without its terminator is accepted (the end of the text ends it). ``tags``, when
    given, receives every distinct tag (cheaper than asking each segment afterwards).
    """
    term = delimiters.terminator
    rel = delimiters.release
    rep = delimiters.repetition
    special = delimiters.chars()
    newlines = "".join(c for c in "\r\n" if c not in special)
    blanks = "".join(c for c in " \t\r\n" if c not in special)

    body = text if start == 0 and end == len(text) else text[start:end]
    stripped = body.lstrip(blanks)
    start += len(body) - len(stripped)
    body = stripped.rstrip(blanks)
    if not body:
        return []

    sep, pieces, clean = _cut(body, term, newlines)
    last = pieces[-1]
    if not last and not _escaped(body, len(body) - len(sep), rel):
        pieces.pop()  # the usual end: a terminator (and line break) closes the last segment
    elif last.endswith(term) and not _escaped(last, len(last) - 1, rel):
        pieces[-1] = last[:-1]  # a terminator without the line break the others have
    # Positions are kept as byte offsets when every character is one byte (the usual
    # case), so no second pass is needed to turn them into file offsets.
    shift = offsets.shift
    origin = start + (shift or 0)
    step = len(sep)
    lengths = accumulate(map(len, pieces), initial=0)
    starts = list(map(add, lengths, range(origin, origin + step * len(pieces), step)))

    try:
        released = _find_all(body, rel)
        glued = any(body.startswith(sep, at + 1) for at in released)
        if glued:
            pieces, starts = _glue_escaped(pieces, starts, sep, rel or "")
        pads = "".join(c for c in blanks if c not in newlines)
        if not clean and (glued or "" in pieces):
            # rare: whether segments need cleaning must be known before cutting them
            clean = any(sep + c in body for c in pads)
        if clean:
            pieces, starts = _clean(pieces, starts, newlines, blanks)
        elif "" in pieces and ((sep + sep) in body or body.startswith(sep)):
            at = pieces.index("")
            raise TokenError(_EMPTY, starts[at], at, empty=True)
        found: set[str] = set()
        segments = _build(pieces, _bytes(starts, offsets), delimiters, first_index, found)
        if not clean and any(tag[:1] in pads for tag in found if tag):
            # a blank right after a terminator (the sender pads its segments): the tags
            # tell, which spares a search of the whole text for every blank beforehand
            pieces, starts = _clean(pieces, starts, newlines, blanks)
            found = set()
            segments = _build(pieces, _bytes(starts, offsets), delimiters, first_index, found)
        holding = _holding(origin, starts, released, _find_all(body, rep))
        if holding and _rescan(segments, pieces, starts, holding, delimiters):
            # a released character sat in a tag: the plain split's tag for it is no tag
            found = set(map(_tag_of, segments))
        if tags is not None:
            tags.update(found)
    except TokenError as error:
        error.position -= shift or 0
        raise
    return segments


def first_bad_tag(
    segments: list[Segment], tags: set[str], pattern: re.Pattern[str]
) -> Segment | None:
    """The first segment whose tag ``pattern`` refuses; ``tags`` (every distinct tag, as
    ``split_segments`` collects them) is checked first, so a good file costs one set walk."""
    bad = {tag for tag in tags if not pattern.fullmatch(tag)}
    if not bad:
        return None
    return next(segment for segment in segments if segment.tag in bad)


def _cut(body: str, term: str, newlines: str) -> tuple[str, list[str], bool]:
    """The string that ends every segment, the pieces it cuts, and whether segments need
    cleaning one by one (line breaks that are not all right after a terminator).

    Files almost always put nothing, or the same line break, after every terminator; then
    one ``split`` at terminator + line break does all the work. The counts decide which
    line break that can be and the ``split`` itself confirms it, which saves a pass over
    the text for each candidate.
    """
    present = [c for c in newlines if c in body]
    if not present:
        return term, body.split(term), False
    terminators = body.count(term)
    line_chars = sum(map(body.count, present))
    for suffix in ("\r\n", "\n", "\r"):
        if any(c not in newlines for c in suffix):
            continue
        n, odd = divmod(line_chars, len(suffix))
        if odd or not n or terminators - n not in (0, 1):
            continue
        sep = term + suffix
        pieces = body.split(sep)
        if len(pieces) - 1 == n:
            return sep, pieces, False
    return term, body.split(term), True


def _find_all(body: str, marker: str | None) -> list[int]:
    """Every position of ``marker`` in ``body`` (``str.find`` in C: a rare character in
    a large text costs a few look-ups, not a check of every segment)."""
    found: list[int] = []
    if not marker:
        return found
    at = body.find(marker)
    while at >= 0:
        found.append(at)
        at = body.find(marker, at + 1)
    return found


def _bytes(starts: list[int], offsets: ByteOffsets) -> list[int]:
    return starts if offsets.shift is not None else offsets.many(starts)


def _escaped(text: str, position: int, rel: str | None) -> bool:
    """Whether the character at ``position`` is escaped by an odd run of release chars."""
    run = 0
    while rel and position - run > 0 and text[position - run - 1] == rel:
        run += 1
    return run % 2 == 1


def _glue_escaped(
    pieces: list[str], starts: list[int], sep: str, rel: str
) -> tuple[list[str], list[int]]:
    """Join back the pieces that were cut at a released (escaped) terminator."""
    out: list[str] = []
    out_starts: list[int] = []
    carry: str | None = None
    for piece, begin in zip(pieces, starts, strict=True):
        if carry is not None:
            piece = carry + sep + piece
            begin = out_starts.pop()
            out.pop()
        out.append(piece)
        out_starts.append(begin)
        run = len(piece) - len(piece.rstrip(rel))
        carry = piece if run % 2 == 1 else None
    if carry is not None:
        raise TokenError(
            "the text ends with a release character that escapes nothing",
            out_starts[-1] + len(carry),
            len(out) - 1,
        )
    return out, out_starts


def _clean(
    pieces: list[str], starts: list[int], newlines: str, blanks: str
) -> tuple[list[str], list[int]]:
    """Drop blanks before each tag and line breaks inside segments (wrapped lines)."""
    out: list[str] = []
    out_starts: list[int] = []
    for position, (piece, begin) in enumerate(zip(pieces, starts, strict=True)):
        tagged = piece.lstrip(blanks)
        if not tagged:
            raise TokenError(_EMPTY, begin, position, empty=True)
        for c in newlines:
            if c in tagged:
                tagged = tagged.replace(c, "")
        out.append(tagged)
        out_starts.append(begin + len(piece) - len(piece.lstrip(blanks)))
    return out, out_starts


class _Elements(dict[str, Element]):
    """Element text -> its components: each distinct element is split once per text.

    Elements repeat far more than whole segments do (qualifiers, units, codes, quantities,
    empty elements), so the tuples are shared as well as the work; ``__missing__`` runs
    only for a text not seen before, every other look-up stays in C.
    """

    __slots__ = ("component",)

    def __init__(self, component: str) -> None:
        super().__init__()
        self.component = component

    def __missing__(self, element: str) -> Element:
        value = self[element] = tuple(element.split(self.component))
        return value


def _build(
    pieces: list[str],
    offsets: list[int],
    delimiters: Delimiters,
    first_index: int,
    tags: set[str],
) -> list[Segment]:
    """Plain splits, no escapes, no repetitions (this loop is the parser's hot path).

    Identical segments are split once: files repeat themselves (the same parties, dates,
    qualifiers, articles and quantities in message after message), and tags and element
    tuples are immutable, so equal segments share them. On order-like files three segments
    in four are repeats, which saves the splits and most of the allocations the garbage
    collector would later walk.

    Python code runs once per distinct segment only: one ``dict.setdefault`` per piece,
    mapped in C, numbers every piece with the position of its first occurrence; each
    distinct piece is cut with one ``split`` (its elements looked up in ``_Elements`` by
    ``map``); every segment is then built by ``map`` in C from its number. Equal tags are
    one string, so the segments of a file share a few dozen tag objects.
    """
    elem = delimiters.element
    element = _Elements(delimiters.component).__getitem__
    firsts: dict[str, int] = {}
    numbers = list(map(firsts.setdefault, pieces, count()))
    names: dict[str, str] = {}
    name = names.setdefault
    tag_at = [""] * len(pieces)
    elements_at: list[tuple[Element, ...]] = [()] * len(pieces)
    for piece, first in firsts.items():
        parts = piece.split(elem)
        tag = parts[0]
        del parts[0]
        tag_at[first] = name(tag, tag)
        elements_at[first] = tuple(map(element, parts))
    tags.update(names)
    return list(
        map(
            Segment,
            map(tag_at.__getitem__, numbers),
            map(elements_at.__getitem__, numbers),
            count(first_index),
            offsets,
        )
    )


def _holding(origin: int, starts: list[int], *markers: list[int]) -> list[int]:
    """Positions of the segments that hold a release or repetition character, found by a
    bisection of the characters' positions (``_find_all``) into the segment starts."""
    found = {bisect_right(starts, origin + at) - 1 for positions in markers for at in positions}
    return sorted(found)


def _rescan(
    segments: list[Segment],
    pieces: list[str],
    starts: list[int],
    holding: list[int],
    delimiters: Delimiters,
) -> bool:
    """Redo the segments that hold a release or repetition character, with ``_scan``;
    whether a tag changed (then the tags the plain split collected are stale)."""
    retagged = False
    for position in holding:
        segment = segments[position]
        try:
            tag, elements, repeats = _scan(pieces[position], delimiters)
        except TokenError as error:
            raise TokenError(error.reason, starts[position] + error.position, position) from None
        segments[position] = Segment(tag, elements, segment.index, segment.offset, repeats)
        retagged = retagged or tag != segment.tag
    return retagged


@lru_cache(maxsize=64)
def _scanner(elem: str, comp: str, rep: str, rel: str) -> re.Pattern[str]:
    separators = re.escape(elem + comp + rep)
    if rel:
        return re.compile(f"({re.escape(rel)}.?)|([{separators}])", re.DOTALL)
    return re.compile(f"()([{separators}])")


def _scan(piece: str, delimiters: Delimiters) -> tuple[str, tuple[Element, ...], _Repeats]:
    """Cut one segment that holds escapes or repetitions; positions are within the piece."""
    elem, comp = delimiters.element, delimiters.component
    rep = delimiters.repetition or ""
    rel = delimiters.release or ""
    elements: list[tuple[Element, ...]] = []
    occurrences: list[Element] = []
    components: list[str] = []
    buffer: list[str] = []
    position = 0
    for match in _scanner(elem, comp, rep, rel).finditer(piece):
        buffer.append(piece[position : match.start()])
        position = match.end()
        escape, separator = match.group(1), match.group(2)
        if escape:
            if len(escape) == 1:
                raise TokenError("a release character ends the segment", match.start(), 0)
            buffer.append(escape[1])
            continue
        components.append("".join(buffer))
        buffer = []
        if separator == comp:
            continue
        occurrences.append(tuple(components))
        components = []
        if separator == elem:
            elements.append(tuple(occurrences))
            occurrences = []
    buffer.append(piece[position:])
    components.append("".join(buffer))
    occurrences.append(tuple(components))
    elements.append(tuple(occurrences))

    head = elements[0]
    tag = rep.join(comp.join(c) for c in head)
    body = elements[1:]
    firsts = tuple(e[0] for e in body)
    if any(len(e) > 1 for e in body):
        return tag, firsts, tuple(body)
    return tag, firsts, None
