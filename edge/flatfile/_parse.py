"""``parse_flat``: bytes in, canonical documents out, or every reason why not.

The layout's ``on_bad_row`` decides what a bad row costs. ``reject-file`` (the default)
refuses the whole file with :class:`FlatFileRejected`, listing every bad row. ``reject-row``
returns the good documents with the bad rows beside them; a document is all or nothing, so
one bad line refuses its whole document (an order delivered without one of its lines would
be worse than no order), and each of that document's other rows is listed too, with the
code ``dropped-with-document``: no row disappears without a trace.

Problems that leave nothing to read row by row (bytes the encoding cannot decode, broken CSV
quoting, a header row lacking a mapped column) refuse the file under either policy.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence

import msgspec

from contracts import Document
from contracts.errors import RejectedInput

from ._build import assemble, build
from ._errors import DROPPED, NO_LAYOUT, FlatFileRejected, RowError
from ._layout import FlatLayout
from ._plan import compile_layout
from ._read import Fatal, decode, read_rows

__all__ = ["ParsedFlat", "parse_flat", "parse_flat_to_json_lines", "select_layout"]

_encoder = msgspec.json.Encoder()


class ParsedFlat(msgspec.Struct, frozen=True, kw_only=True):
    """What a file held: its documents (in file order), the physical rows each came from,
    and, under ``reject-row``, the rows refused (always empty under ``reject-file``)."""

    documents: tuple[Document, ...]
    rows: tuple[tuple[int, ...], ...]
    rejected: tuple[RowError, ...] = ()


def parse_flat(data: bytes, layout: FlatLayout, *, partner: str, source: str) -> ParsedFlat:
    """The canonical documents in ``data``, read as ``layout`` says.

    ``source`` names the file in errors (and names a file-wide document whose layout maps no
    key). Raises :class:`FlatFileRejected` (a ``RejectedInput``) when the file is refused,
    and ``LayoutError`` (a ``ConfigError``) for a layout that cannot be used.
    """
    plan = compile_layout(layout)
    try:
        plan, rows = read_rows(decode(data, layout.encoding), plan)
    except Fatal as fatal:
        raise FlatFileRejected(
            fatal.errors, partner=partner, source=source, byte_offset=fatal.byte_offset
        ) from None
    drafts, loose = assemble(rows, plan, source)
    documents: list[Document] = []
    spans: list[tuple[int, ...]] = []
    errors = list(loose)
    for draft in drafts:
        document, problems = build(draft, plan)
        if document is None:
            errors += problems
            bad = {e.row for e in problems}
            errors += [
                RowError(
                    row=row,
                    code=DROPPED,
                    document=draft.key,
                    expected=f"refused with its document {draft.key!r}, whose row "
                    f"{min(r for r in bad if r is not None)} is bad (a document is all or "
                    "nothing)",
                )
                for row in draft.rows
                if row not in bad and bad - {None}
            ]
            continue
        documents.append(document)
        spans.append(tuple(draft.rows))
    if errors and layout.on_bad_row == "reject-file":
        raise FlatFileRejected(
            [e for e in errors if e.code != DROPPED], partner=partner, source=source
        )
    ordered = sorted(errors, key=lambda e: (e.row or 0, e.column_number or e.offset or 0))
    return ParsedFlat(documents=tuple(documents), rows=tuple(spans), rejected=tuple(ordered))


def select_layout(
    layouts: Sequence[FlatLayout], file_name: str, *, partner: str | None = None
) -> FlatLayout:
    """The first inbound layout whose ``files`` patterns match ``file_name`` (its base name).

    Raises RejectedInput (code ``no-layout``) when none does: a file nobody can read is
    refused with the patterns that were tried, never guessed at.
    """
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    for layout in layouts:
        if layout.direction == "outbound":
            continue
        if any(fnmatch.fnmatchcase(base, pattern) for pattern in layout.files):
            return layout
    tried = ", ".join(f"{lay.name} {list(lay.files)}" for lay in layouts) or "none configured"
    raise RejectedInput(
        f"no inbound flat-file layout matches {base!r} (layouts: {tried})",
        partner=partner,
        source=file_name,
        code=NO_LAYOUT,
    )


def parse_flat_to_json_lines(
    data: bytes, layout: FlatLayout, *, partner: str, source: str
) -> Iterator[bytes]:
    """Each document as one line of JSON (``crossdock edi parse`` for flat files).

    Under ``reject-file`` the file is parsed whole before the first line is yielded, so it is
    printed whole or refused. Under ``reject-row`` the good documents are yielded and then,
    if rows were refused, :class:`FlatFileRejected` is raised listing them, so a caller that
    prints the lines and then the error shows both, and exits non-zero.
    """
    parsed = parse_flat(data, layout, partner=partner, source=source)
    lines = [_encoder.encode(document) + b"\n" for document in parsed.documents]
    yield from lines
    if parsed.rejected:
        raise FlatFileRejected(parsed.rejected, partner=partner, source=source)
