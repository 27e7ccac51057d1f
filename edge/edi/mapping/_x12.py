"""What the X12 mappings share: references (REF / N9), DTM dates, currencies, descriptions,
and the builders of outbound values (X12 numbers always use ``.``).

References are named by the profile's ``reference`` table; a qualifier it does not list keeps
its code as the name, so nothing the partner sent is lost and nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from contracts.errors import RejectedInput

from .._segment import Segment
from ._build import seg
from ._errors import NOT_SUPPORTED
from ._profile import CodeTables
from ._reader import Reader
from ._values import format_decimal, join_text, wrap_text

__all__ = [
    "currency",
    "date_of",
    "description",
    "num",
    "pid_segments",
    "reference",
    "reference_segments",
    "references",
]


def references(reader: Reader, segments: Iterable[Segment]) -> dict[str, str]:
    """REF and N9 qualifier (named by the ``reference`` table, else kept) -> value."""
    found: dict[str, str] = {}
    for segment in segments:
        if segment.tag in ("REF", "N9"):
            qualifier = segment.value(0).strip()
            value = reader.text(segment, 1) or reader.text(segment, 2)
            if qualifier and value:
                found.setdefault(reader.tables.reference.get(qualifier, qualifier), value)
    return found


def reference(reader: Reader, qualifiers: Sequence[str], segments: Iterable[Segment]) -> str | None:
    """The value of the first REF / N9 with one of ``qualifiers`` (in that order)."""
    refs = [s for s in segments if s.tag in ("REF", "N9")]
    for qualifier in qualifiers:
        for segment in refs:
            if segment.value(0).strip() == qualifier:
                value = reader.text(segment, 1)
                if value:
                    return value
    return None


def date_of(
    reader: Reader, qualifiers: Sequence[str], segments: Iterable[Segment], tag: str = "DTM"
) -> date | None:
    """The date of the first DTM (or G62) with one of ``qualifiers`` (in that order)."""
    dated = [s for s in segments if s.tag == tag]
    for qualifier in qualifiers:
        for segment in dated:
            if segment.value(0).strip() == qualifier:
                return reader.day(segment, 1, 0, f"{tag} {qualifier} date")
    return None


def currency(reader: Reader, segments: Iterable[Segment]) -> str | None:
    cur = reader.first("CUR", segments)
    return None if cur is None else reader.currency(cur, 1, 0)


def description(segments: Iterable[Segment]) -> str | None:
    """The free-form PID05 texts of the PID segments."""
    return join_text([s.value(4) for s in segments if s.tag == "PID" and s.value(0) == "F"])


# --- outbound -------------------------------------------------------------------------------


def num(value: Decimal) -> str:
    return format_decimal(value)


def pid_segments(text: str | None) -> list[Segment]:
    if not text:
        return []
    return [seg("PID", "F", "", "", "", piece) for piece in wrap_text(text, 80)]


def reference_segments(tag: str, references: dict[str, str], tables: CodeTables) -> list[Segment]:
    """REF / N9 for each reference; its name is turned back into the partner's qualifier (a
    name that is itself a qualifier, 2 or 3 characters, is written as is)."""
    out = []
    for name, value in references.items():
        qualifier = tables.code_for("reference", name)
        if qualifier is None:
            if not (2 <= len(name) <= 3 and name.isalnum() and name.isupper()):
                raise RejectedInput(
                    f"no X12 reference qualifier for the reference {name!r}",
                    code=NOT_SUPPORTED,
                    path=f"$.references.{name}",
                )
            qualifier = name
        out.append(seg(tag, qualifier, value))
    return out
