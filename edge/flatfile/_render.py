"""From canonical documents to a partner's flat file: the reverse of parsing, by the same plan.

A file of one record type gets one row per line (or per package, or one row for a document
without either), with the document's header values repeated on each row, as exports and
3PL imports expect. A header / detail / trailer file gets a header record per document, a
detail record per line (the first detail record type of the layout) and, if the layout has
one, a trailer record counting the detail records.

Nothing is truncated or guessed: a value longer than its fixed-width field, a value its
column's map has no code for, a number with more decimals than its implied ones, or a
character the encoding cannot carry is a ``RejectedInput`` naming the document, the target
and the reason. Numbers are written without thousands separators.
"""

from __future__ import annotations

from collections.abc import Sequence

from contracts import Document
from contracts.errors import RejectedInput

from ._errors import RENDER
from ._layout import CsvLayout, FixedWidthLayout, FlatLayout
from ._plan import Plan, RecordPlan, compile_layout
from ._targets import get
from ._values import Slot, format_value

__all__ = ["render_flat"]


def render_flat(documents: Sequence[Document], layout: FlatLayout) -> bytes:
    """``documents`` written as ``layout`` says, encoded; raises RejectedInput."""
    plan = compile_layout(layout)
    lines: list[str] = []
    if isinstance(layout, CsvLayout) and layout.header:
        lines.append(_csv_header(plan, layout))
    for document in documents:
        if not isinstance(document, plan.kind.document):
            raise RejectedInput(
                f"layout {layout.name!r} writes {plan.kind.tag} documents, "
                f"not {type(document).__name__}",
                code=RENDER,
            )
        for record, values in _records(document, plan):
            lines.append(_write(record, values, plan, document))
    ending = "\r\n" if layout.line_ending == "crlf" else "\n"
    text = "".join(line + ending for line in lines)
    return text.encode(layout.encoding)  # every value was checked to be encodable


def _key(document: Document, plan: Plan) -> str | None:
    value = get(document, plan.key.steps)
    return None if value is None else str(value)


def _records(document: Document, plan: Plan) -> list[tuple[RecordPlan, list[object]]]:
    """Each record to write, with the value of each of its slots (None: empty)."""
    lines: list[object] = list(getattr(document, "lines", []))
    packages: list[object] = list(getattr(document, "packages", []))

    def values(record: RecordPlan, line: object, package: object, count: int) -> list[object]:
        out: list[object] = []
        for slot in record.slots:
            target = slot.target
            if target is None:
                out.append(None)
            elif target.scope == "header":
                out.append(get(document, target.steps))
            elif target.scope == "line":
                out.append(get(line, target.steps) if line is not None else None)
            elif target.scope == "package":
                out.append(get(package, target.steps) if package is not None else None)
            else:
                out.append(count)
        return out

    if not plan.multi:
        record = plan.records[0]
        rows = max(len(lines), len(packages), 1)
        return [
            (
                record,
                values(
                    record,
                    lines[i] if i < len(lines) else None,
                    packages[i] if i < len(packages) else None,
                    0,
                ),
            )
            for i in range(rows)
        ]
    header = next(r for r in plan.records if r.role == "header")
    detail = next((r for r in plan.records if r.role == "detail"), None)
    trailer = next((r for r in plan.records if r.role == "trailer"), None)
    out = [(header, values(header, None, packages[0] if packages else None, 0))]
    if detail is not None:
        for i, line in enumerate(lines):
            package = packages[i] if i < len(packages) else None
            out.append((detail, values(detail, line, package, 0)))
    if trailer is not None:
        count = len(lines) if detail is not None else 0
        out.append((trailer, values(trailer, None, None, count)))
    return out


def _text(value: object, slot: Slot, plan: Plan, document: Document) -> str:
    try:
        text = format_value(value, slot, plan.style)
        text.encode(plan.layout.encoding)
    except (ValueError, UnicodeEncodeError) as exc:
        reason = (
            f"a character {plan.layout.encoding} cannot carry"
            if isinstance(exc, UnicodeEncodeError)
            else str(exc)
        )
        raise _refused(document, plan, slot, reason) from None
    return text


def _refused(document: Document, plan: Plan, slot: Slot, reason: str) -> RejectedInput:
    target = slot.target.text if slot.target else slot.label
    key = _key(document, plan)
    return RejectedInput(
        f"cannot write {plan.kind.tag} {key!r} as layout {plan.layout.name!r}: "
        f"{target} ({slot.label}): {reason}",
        code=RENDER,
        path=target,
        document=key,
        column=slot.label,
    )


def _write(record: RecordPlan, values: list[object], plan: Plan, document: Document) -> str:
    texts = [_text(v, s, plan, document) for s, v in zip(record.slots, values, strict=True)]
    if isinstance(plan.layout, CsvLayout):
        return _csv_line(record, texts, plan.layout)
    assert isinstance(plan.layout, FixedWidthLayout)
    return _fixed_line(record, texts, plan, document)


def _positions(record: RecordPlan) -> list[int]:
    """1-based column of each slot: its number, or (named by the header) its list position."""
    return [slot.number or i + 1 for i, slot in enumerate(record.slots)]


def _csv_header(plan: Plan, layout: CsvLayout) -> str:
    record = plan.records[0]
    names = [slot.name or "" for slot in record.slots]
    return _csv_line(record, names, layout)


def _csv_line(record: RecordPlan, texts: list[str], layout: CsvLayout) -> str:
    positions = _positions(record)
    width = max([*positions, record.size or 0, record.minimum])
    cells = [""] * width
    for position, text in zip(positions, texts, strict=True):
        cells[position - 1] = text
    if record.code is not None and layout.record_type_column is not None:
        cells[layout.record_type_column - 1] = record.code
    special = (layout.delimiter, layout.quote, "\r", "\n")
    quote = layout.quote

    def quoted(text: str) -> str:
        if any(ch in text for ch in special):
            return quote + text.replace(quote, quote + quote) + quote
        return text

    line = layout.delimiter.join(quoted(text) for text in cells)
    return line if line.strip() else quote + quote + line


def _fixed_line(record: RecordPlan, texts: list[str], plan: Plan, document: Document) -> str:
    layout = plan.layout
    assert isinstance(layout, FixedWidthLayout)
    chars = [" "] * (record.size or record.minimum)
    if record.code is not None and layout.record_type is not None:
        start = layout.record_type.start - 1
        chars[start : start + len(record.code)] = record.code
    for slot, text in zip(record.slots, texts, strict=True):
        width = slot.end - (slot.number - 1)
        if len(text) > width:
            raise _refused(
                document, plan, slot, f"{text!r} is longer than the field's {width} characters"
            )
        if text == "":
            padded = " " * width
        elif slot.align == "left":
            padded = text.ljust(width, slot.pad)
        elif text.startswith("-") and slot.pad.isdigit():
            padded = "-" + text[1:].rjust(width - 1, slot.pad)
        else:
            padded = text.rjust(width, slot.pad)
        chars[slot.number - 1 : slot.end] = padded
    return "".join(chars)
