"""What an acknowledgement says, gathered before it is written: per interchange, group and
message, accepted or not and why.

Outcomes come from a parsed interchange and its grammar checks (``from_edifact``,
``from_x12``), or, when the parser refused the file, from ``_salvage``, which reads what it
can of the envelopes and pins the parser's error on the message, group or interchange it
lies in. The CONTRL and 997 / 999 builders read only these objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .._segment import Party
from ..edifact import Interchange as EdifactInterchange
from ..edifact import Message
from ..grammar import MessageCheck, Violation, document_number, validate_interchange
from ..x12 import Interchange as X12Interchange

__all__ = [
    "EnvelopeError",
    "GroupOutcome",
    "InterchangeOutcome",
    "MessageOutcome",
    "from_edifact",
    "from_x12",
]


@dataclass(frozen=True)
class EnvelopeError:
    """A syntax error the parser found in an envelope segment (UNB, UNT, GE, SE...)."""

    code: str
    code_list: str
    """``0085``; X12 ``716`` (group), ``718`` (set), ``720`` / ``723`` (a segment), ``I18``."""
    message: str
    segment_tag: str = ""
    segment_position: int | None = None
    """1-based position in its message when the error lies inside one."""


@dataclass
class MessageOutcome:
    """One message / transaction set: its identity and everything wrong with it."""

    reference: str
    type: str
    identifier: tuple[str, ...] = ()
    """EDIFACT S009 as received (type, version, release, agency, association code)."""
    convention: str = ""
    """X12 ST03."""
    violations: list[Violation] = field(default_factory=list)
    envelope_error: EnvelopeError | None = None
    document: str = ""
    """The document number (BGM 1004, BEG03), for 999 CTX and reports."""
    business_unit: str = ""
    """Where the document number sits, X12 style (``BEG03``), for 999 CTX."""

    @property
    def accepted(self) -> bool:
        return not self.violations and self.envelope_error is None


@dataclass
class GroupOutcome:
    """An X12 functional group (or an EDIFACT UNG group) and its messages."""

    functional_id: str
    control_number: str
    version: str
    sender: str
    receiver: str
    messages: list[MessageOutcome] = field(default_factory=list)
    envelope_error: EnvelopeError | None = None


@dataclass
class InterchangeOutcome:
    """One interchange as the acknowledgement will describe it."""

    syntax: str
    """``edifact`` or ``x12``."""
    control_ref: str
    sender: Party
    recipient: Party
    groups: list[GroupOutcome] = field(default_factory=list)
    """X12 groups; EDIFACT UNG groups (empty when the interchange has none)."""
    messages: list[MessageOutcome] = field(default_factory=list)
    """EDIFACT messages not in a group."""
    envelope_error: EnvelopeError | None = None
    syntax_id: str = "UNOC"
    syntax_version: str = "3"
    x12_version: str = "00401"
    usage: str = "P"

    def every_message(self) -> list[MessageOutcome]:
        return [m for g in self.groups for m in g.messages] + self.messages


def _outcome(
    check: MessageCheck, identifier: tuple[str, ...], convention: str, target: object
) -> MessageOutcome:
    key = ""
    if check.spec is not None and check.spec.key is not None:
        key = f"{check.spec.key[0]}{check.spec.key[1]:02d}"
    return MessageOutcome(
        reference=check.reference,
        type=check.type,
        identifier=identifier,
        convention=convention,
        violations=list(check.violations),
        document=document_number(target, check.spec),  # type: ignore[arg-type]
        business_unit=key,
    )


def from_edifact(interchange: EdifactInterchange) -> InterchangeOutcome:
    """The outcome of a parsed EDIFACT interchange: every message validated."""
    checks = iter(validate_interchange(interchange))
    outcome = InterchangeOutcome(
        syntax="edifact",
        control_ref=interchange.control_ref,
        sender=interchange.sender,
        recipient=interchange.recipient,
        syntax_id=interchange.syntax_id,
        syntax_version=interchange.syntax_version,
        usage="T" if interchange.test else "P",
    )

    def identify(message: Message) -> tuple[str, ...]:
        return tuple(message.header.element(1))

    if interchange.groups:
        for group in interchange.groups:
            grouped = GroupOutcome(
                group.group_id, group.reference, group.message_version + group.message_release,
                group.sender.id, group.recipient.id,
            )  # fmt: skip
            for message in group.messages:
                grouped.messages.append(_outcome(next(checks), identify(message), "", message))
            outcome.groups.append(grouped)
    else:
        for message in interchange.messages:
            outcome.messages.append(_outcome(next(checks), identify(message), "", message))
    return outcome


def from_x12(interchange: X12Interchange) -> InterchangeOutcome:
    """The outcome of a parsed X12 interchange: every transaction set validated."""
    checks = iter(validate_interchange(interchange))
    outcome = InterchangeOutcome(
        syntax="x12",
        control_ref=interchange.control_number,
        sender=interchange.sender,
        recipient=interchange.receiver,
        x12_version=interchange.version,
        usage=interchange.usage,
    )
    for group in interchange.groups:
        grouped = GroupOutcome(
            group.functional_id, group.control_number, group.version, group.sender, group.receiver
        )
        for transaction_set in group.sets:
            grouped.messages.append(
                _outcome(next(checks), (), transaction_set.convention, transaction_set)
            )
        outcome.groups.append(grouped)
    return outcome
