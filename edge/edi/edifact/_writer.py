"""Write EDIFACT: serialize interchanges, and build envelopes around outbound messages.

Serializing escapes every service character inside a value with the release character, so
``parse(serialize(x))`` gives back the same segments. What cannot be written is refused with
``RejectedInput`` and the path of the value: a control character or line break (they are not
data in any syntax level, and the reader drops line breaks), a service character when the
interchange has no release character, or a character the syntax level cannot encode.

The builders compute what a partner checks: UNT segment counts, UNE and UNZ counts, and
the control references repeated in the trailers. Dates come from the caller (clocks are
injected, never read here).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import lru_cache

from .._codes import EdifactError, reject
from .._segment import Party, Segment
from ._chars import DEFAULT_CHARS, SYNTAX_CODECS, ServiceChars, forbidden_characters
from ._model import FunctionalGroup, Interchange, Message

__all__ = ["build_group", "build_interchange", "build_message", "render", "serialize"]

_CONTROLS = "".join(chr(c) for c in range(0x20))


class _Unwritable(Exception):
    pass


def serialize(interchanges: Interchange | Iterable[Interchange], *, newline: str = "") -> bytes:
    """The bytes of one or more interchanges, each encoded as its syntax level says.

    ``newline`` (``"\\r\\n"``, ``"\\n"``) goes after every segment terminator, for partners
    who want one segment per line.
    """
    if isinstance(interchanges, Interchange):
        interchanges = (interchanges,)
    out = []
    for interchange in interchanges:
        chars = interchange.chars
        text = render(interchange.all_segments(), chars, newline=newline)
        if interchange.una:
            text = chars.una() + newline + text
        bad = forbidden_characters(interchange.syntax_id, chars.delimiters()).search(text)
        if bad is not None:
            raise reject(
                f"{bad.group()!r} cannot be written in syntax level {interchange.syntax_id}",
                EdifactError.INVALID_CHARACTER,
                path=f"$.interchanges[{interchange.control_ref}]",
            )
        try:
            out.append(text.encode(interchange.encoding))
        except UnicodeEncodeError as error:
            raise reject(
                f"{error.object[error.start]!r} cannot be encoded in {interchange.encoding} "
                f"({interchange.syntax_id})",
                EdifactError.INVALID_CHARACTER,
                path=f"$.interchanges[{interchange.control_ref}]",
            ) from None
    return b"".join(out)


def render(segments: Iterable[Segment], chars: ServiceChars, *, newline: str = "") -> str:
    """Segments as text with ``chars``' delimiters, values escaped; no UNA."""
    comp, elem, term = chars.component, chars.element, chars.terminator
    rep = chars.repetition or ""
    escape = _escaper(chars)
    lines = []
    for position, segment in enumerate(segments):
        try:
            if segment.repeats is None:
                parts = [comp.join(map(escape, e)) for e in segment.elements]
            else:
                parts = [
                    rep.join([comp.join(map(escape, o)) for o in occurrences])
                    for occurrences in segment.repeats
                ]
        except _Unwritable as error:
            raise _where(segment, position, chars, str(error)) from None
        lines.append(elem.join([segment.tag, *parts]))
    ending = term + newline
    return ending.join(lines) + ending if lines else ""


def build_message(
    reference: str,
    type: str,
    version: str,
    release: str,
    body: Sequence[Segment],
    *,
    agency: str = "UN",
    association_code: str = "",
) -> Message:
    """A message around ``body``: UNH with its identifier, UNT with the segment count."""
    identifier = [type, version, release, agency] + ([association_code] if association_code else [])
    header = Segment.build("UNH", reference, identifier)
    trailer = Segment.build("UNT", str(len(body) + 2), reference)
    return Message(
        reference=reference,
        type=type,
        version=version,
        release=release,
        agency=agency,
        association_code=association_code,
        segments=(header, *body, trailer),
    )


def build_group(
    group_id: str,
    sender: Party,
    recipient: Party,
    reference: str,
    messages: Sequence[Message],
    *,
    prepared: datetime,
    syntax_version: str = "3",
    agency: str = "UN",
    message_version: str = "",
    message_release: str = "",
) -> FunctionalGroup:
    """A UNG..UNE group around ``messages``, its count and reference in UNE."""
    date, time = _stamp(prepared, syntax_version)
    version = [message_version, message_release] if message_version else []
    header = Segment.build(
        "UNG",
        group_id,
        _party(sender),
        _party(recipient),
        [date, time],
        reference,
        agency,
        *([version] if version else []),
    )
    trailer = Segment.build("UNE", str(len(messages)), reference)
    return FunctionalGroup(
        group_id=group_id,
        sender=sender,
        recipient=recipient,
        date=date,
        time=time,
        reference=reference,
        agency=agency,
        message_version=message_version,
        message_release=message_release,
        messages=tuple(messages),
        header=header,
        trailer=trailer,
    )


def build_interchange(
    *,
    sender: Party,
    recipient: Party,
    control_ref: str,
    prepared: datetime,
    messages: Sequence[Message] = (),
    groups: Sequence[FunctionalGroup] = (),
    syntax_id: str = "UNOC",
    syntax_version: str = "3",
    chars: ServiceChars = DEFAULT_CHARS,
    una: bool = True,
    application_ref: str = "",
    ack_requested: bool = False,
    test: bool = False,
) -> Interchange:
    """An interchange around messages (or groups, not both), UNZ counted and referenced."""
    if messages and groups:
        raise ValueError("an interchange holds either messages or groups, not both")
    if syntax_id not in SYNTAX_CODECS:
        raise ValueError(f"unknown syntax identifier {syntax_id!r}")
    date, time = _stamp(prepared, syntax_version)
    optional = ["", application_ref, "", "1" if ack_requested else "", "", "1" if test else ""]
    while optional and not optional[-1]:
        optional.pop()
    header = Segment.build(
        "UNB",
        [syntax_id, syntax_version],
        _party(sender),
        _party(recipient),
        [date, time],
        control_ref,
        *optional,
    )
    count = len(groups) if groups else len(messages)
    trailer = Segment.build("UNZ", str(count), control_ref)
    every = [m for g in groups for m in g.messages] if groups else list(messages)
    return Interchange(
        chars=chars,
        una=una,
        syntax_id=syntax_id,
        syntax_version=syntax_version,
        encoding=SYNTAX_CODECS[syntax_id],
        sender=sender,
        recipient=recipient,
        date=date,
        time=time,
        control_ref=control_ref,
        application_ref=application_ref,
        ack_requested=ack_requested,
        test=test,
        groups=tuple(groups),
        messages=tuple(every),
        header=header,
        trailer=trailer,
    )


def _stamp(prepared: datetime, syntax_version: str) -> tuple[str, str]:
    date = prepared.strftime("%Y%m%d" if syntax_version == "4" else "%y%m%d")
    return date, prepared.strftime("%H%M")


def _party(party: Party) -> list[str]:
    parts = [party.id, party.qualifier, party.internal_id, party.internal_sub_id]
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return parts


@lru_cache(maxsize=32)
def _escaper(chars: ServiceChars) -> Callable[[str], str]:
    release = chars.release
    specials = re.escape(chars.delimiters())
    trouble = re.compile(f"[{specials}{re.escape(_CONTROLS)}]")
    controls = re.compile(f"[{re.escape(_CONTROLS)}]")
    service = re.compile(f"[{specials}]")

    def escape(value: str) -> str:
        if trouble.search(value) is None:
            return value
        control = controls.search(value)
        if control is not None:
            raise _Unwritable(f"control character {control.group()!r} in {value!r}")
        if release is None:
            raise _Unwritable(
                f"{value!r} holds a service character and the interchange has no release "
                "character to escape it"
            )
        return service.sub(lambda m: release + m.group(), value)

    return escape


def _where(segment: Segment, position: int, chars: ServiceChars, reason: str) -> Exception:
    return reject(
        f"cannot write {segment.tag} (segment {position + 1} of the output): {reason}",
        EdifactError.INVALID_CHARACTER,
        path=f"$.segments[{position}]",
    )
