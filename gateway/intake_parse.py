"""What one received file holds, worked out off the event loop: documents, or why not.

:func:`examine` is pure computation over bytes (run it in a worker thread): sniff, parse,
validate against the grammars, map with the partner's profile -- or, for JSON (webhook
bodies, or JSON files: canonical documents, ``edge.http.decode_documents``) decode, or, for
flat files, read with the partner's layouts. It returns an :class:`Examined`: the documents
ready for the store, the outcomes an acknowledgement is built from, and, when the file is
refused, the reason with its position. :func:`build_ack` then writes the CONTRL / 997 / 999 with the
control numbers the caller allocated in the store.

A file is all or nothing, as DESIGN.md's walk says ("bad input: nothing else happens"): one
refused message refuses the file. The acknowledgement must then not tell the partner that
the other messages were taken (the partner would never send them again), so every message
without a fault of its own is marked rejected too, with code 18 (EDIFACT "unspecified
error") or 718 code 5 (X12 "one or more segments in error"), the nearest codes the
standards have for "refused together with its interchange".

Mapping refusals are not grammar violations, but the partner must hear about them in the
acknowledgement all the same; they become a violation of the message at the mapped position
(EDIFACT 0085 code 12 / 13, X12 723 code 7 / 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from contracts import Document, Flow, idempotency_key
from contracts.errors import RejectedInput
from edge.edi import EdiSyntax, edifact, sniff, x12
from edge.edi.ack import (
    ControlNumbers,
    EnvelopeError,
    InterchangeOutcome,
    ack_kind,
    acknowledge_outcomes,
    from_edifact,
    from_x12,
    is_acknowledgement,
    outcomes,
)
from edge.edi.grammar import Violation, describe
from edge.edi.mapping import MappedDocument, MappingProfile, map_inbound, reason
from edge.flatfile import FlatLayout, parse_flat, select_layout
from edge.http import decode_documents

__all__ = [
    "Examined",
    "ParsedDocument",
    "ack_extension",
    "build_ack",
    "examine",
    "is_json",
]

_UTF8_BOM = b"\xef\xbb\xbf"

MAX_REASONS = 5
"""Violations named in an inbound row's reason; the acknowledgement carries all of them."""

_FLAT_FLOWS: dict[str, Flow] = {
    "sales_order": Flow.ORDER_INTAKE,
    "shipment_confirmation": Flow.SHIPMENT_CONFIRMATION,
    "inventory_report": Flow.INVENTORY,
    "fulfillment_request": Flow.FULFILLMENT,
    "settlement_report": Flow.SETTLEMENT,
    "goods_receipt": Flow.RECEIPT,
    # Flat layouts make none of these; JSON bodies may carry any canonical document.
    "order_acknowledgement": Flow.ORDER_ACK,
    "cancellation": Flow.RETURNS,
    "return_notice": Flow.RETURNS,
    "return_receipt": Flow.RETURNS,
    "invoice": Flow.INVOICE,
    "functional_ack": Flow.FUNCTIONAL_ACK,
}
"""Document type -> flow, for documents that come without an EDI mapping (flat, JSON)."""


@dataclass(frozen=True)
class ParsedDocument:
    """One canonical document with the keys the store files it under."""

    idempotency_key: str
    flow: str
    doc_type: str
    body: bytes
    correlation_key: str | None


@dataclass
class Examined:
    """What a file held. ``refused`` is the reason (with positions) when it is rejected."""

    syntax: EdiSyntax
    documents: list[ParsedDocument] = field(default_factory=list)
    control_ref: str | None = None
    """The first interchange's control reference: what duplicate detection keys on."""
    outcomes: list[InterchangeOutcome] = field(default_factory=list)
    """Interchanges to acknowledge (acknowledgements received are never answered)."""
    refused: str | None = None
    skipped_rows: int = 0
    """Flat files under ``reject-row``: rows refused while the rest was taken."""


def _doc_type(document: Document) -> str:
    return str(type(document).__struct_config__.tag)


def _from_mapped(mapped: MappedDocument, partner: str) -> ParsedDocument:
    return ParsedDocument(
        idempotency_key=mapped.idempotency_key(partner),
        flow=str(mapped.flow),
        doc_type=_doc_type(mapped.document),
        body=msgspec.json.encode(mapped.document),
        correlation_key=mapped.correlation_key(partner),
    )


def examine(
    data: bytes,
    name: str,
    *,
    partner: str,
    profile: MappingProfile,
    layouts: tuple[FlatLayout, ...],
    content_hash: str,
) -> Examined:
    """Everything :mod:`gateway.intake` needs to record a file (see the module docs)."""
    syntax = sniff(data)
    if syntax is EdiSyntax.UNKNOWN:
        if is_json(data):
            return _examine_json(data, name, partner, content_hash)
        return _examine_flat(data, name, partner, layouts, content_hash)
    found = Examined(syntax)
    try:
        interchanges: list[edifact.Interchange] | list[x12.Interchange]
        if syntax is EdiSyntax.EDIFACT:
            interchanges = edifact.parse(data, partner=partner, source=name)
        else:
            interchanges = x12.parse(data, partner=partner, source=name)
    except RejectedInput as error:
        found.outcomes = _answerable(outcomes(data) or [])
        found.refused = reason(error)
        _reject_all(found.outcomes)
        return found
    found.control_ref = _control_ref(interchanges[0]) if interchanges else None
    pairs = [
        (i, from_edifact(i) if isinstance(i, edifact.Interchange) else from_x12(i))
        for i in interchanges
    ]
    found.outcomes = _answerable([outcome for _, outcome in pairs])
    faults = [
        f"interchange {o.control_ref} message {m.reference} ({m.type}): {describe(v)}"
        for o in found.outcomes
        for m in o.every_message()
        for v in m.violations
    ]
    if faults:
        found.refused = _joined(name, partner, faults)
        _reject_all(found.outcomes)
        return found
    for interchange, outcome in pairs:
        try:
            mapped = map_inbound(interchange, profile, partner=partner, source=name)
        except RejectedInput as error:
            _pin(interchange, outcome, error)
            found.refused = reason(error)
            _reject_all(found.outcomes)
            found.documents = []
            return found
        found.documents.extend(_from_mapped(m, partner) for m in mapped)
    return found


def _control_ref(interchange: edifact.Interchange | x12.Interchange) -> str:
    if isinstance(interchange, edifact.Interchange):
        return interchange.control_ref
    return interchange.control_number


def _answerable(found: list[InterchangeOutcome]) -> list[InterchangeOutcome]:
    return [o for o in found if not is_acknowledgement(o)]


def _joined(name: str, partner: str, faults: list[str]) -> str:
    shown = "; ".join(faults[:MAX_REASONS])
    more = len(faults) - MAX_REASONS
    tail = f"; and {more} more" if more > 0 else ""
    return f"{name}: partner {partner}: {shown}{tail}"


def _headers(interchange: edifact.Interchange | x12.Interchange) -> list[int | None]:
    """The file segment index of each message's UNH / ST, in ``every_message`` order."""
    if isinstance(interchange, edifact.Interchange):
        if interchange.groups:
            return [m.header.index for g in interchange.groups for m in g.messages]
        return [m.header.index for m in interchange.messages]
    return [s.header.index for g in interchange.groups for s in g.sets]


def _pin(
    interchange: edifact.Interchange | x12.Interchange,
    outcome: InterchangeOutcome,
    error: RejectedInput,
) -> None:
    """Put a mapping refusal on the message it lies in, as a violation the ack reports."""
    messages = outcome.every_message()
    if not messages:
        return
    index = error.segment_index
    headers = _headers(interchange)
    k = 0
    for i, start in enumerate(headers):
        if start is not None and index is not None and start <= index:
            k = i
    start = headers[k] if k < len(headers) else None
    position = 1 if index is None or start is None else index - start + 1
    target = messages[min(k, len(messages) - 1)]
    missing = error.code == "missing"
    if outcome.syntax == "edifact":
        code, code_list = ("13" if missing else "12"), "0085"
    else:
        code, code_list = ("1" if missing else "7"), "723"
    element = error.fields.get("element_position")
    component = error.fields.get("component_position")
    target.violations.append(
        Violation(
            code=code,
            code_list=code_list,
            message=error.message,
            message_ref=target.reference,
            segment_tag=str(error.fields.get("segment_tag") or ""),
            segment_position=max(position, 1),
            segment_index=index,
            byte_offset=error.byte_offset,
            element=element if isinstance(element, int) else None,
            component=component if isinstance(component, int) else None,
        )
    )


def _reject_all(found: list[InterchangeOutcome]) -> None:
    """Every message not already refused is refused with its file (see the module docs)."""
    for outcome in found:
        for message in outcome.every_message():
            if message.accepted:
                message.envelope_error = (
                    EnvelopeError("18", "0085", "refused with its interchange")
                    if outcome.syntax == "edifact"
                    else EnvelopeError("5", "718", "refused with its interchange")
                )


def is_json(data: bytes) -> bool:
    """A body is JSON when its first character after blanks (and a UTF-8 BOM) is ``{`` or
    ``[``: neither EDI syntax nor a sensible flat file starts so."""
    return data.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n")[:1] in (b"{", b"[")


def _examine_json(data: bytes, name: str, partner: str, content_hash: str) -> Examined:
    found = Examined(EdiSyntax.UNKNOWN)
    try:
        documents = decode_documents(data, partner=partner, source=name)
    except RejectedInput as error:
        found.refused = reason(error)
        return found
    for index, document in enumerate(documents):
        number = getattr(document, "order_number", None)
        found.documents.append(
            ParsedDocument(
                # The store takes a body once per partner (same content, or same event id:
                # a duplicate at receipt), so its hash and the place in it identify each.
                idempotency_key=idempotency_key(partner, "json", content_hash, index),
                flow=str(_FLAT_FLOWS.get(_doc_type(document), Flow.ORDER_INTAKE)),
                doc_type=_doc_type(document),
                body=msgspec.json.encode(document),
                correlation_key=f"{partner}/{number}" if number else None,
            )
        )
    return found


def _examine_flat(
    data: bytes, name: str, partner: str, layouts: tuple[FlatLayout, ...], content_hash: str
) -> Examined:
    found = Examined(EdiSyntax.UNKNOWN)
    try:
        layout = select_layout(layouts, name, partner=partner)
        parsed = parse_flat(data, layout, partner=partner, source=name)
    except RejectedInput as error:
        found.refused = reason(error)
        return found
    for index, document in enumerate(parsed.documents):
        number = getattr(document, "order_number", None)
        found.documents.append(
            ParsedDocument(
                # The same bytes twice are a duplicate at receipt, so the content hash and
                # the document's place in the file identify it.
                idempotency_key=idempotency_key(partner, "flat", content_hash, index),
                flow=str(_FLAT_FLOWS.get(_doc_type(document), Flow.ORDER_INTAKE)),
                doc_type=_doc_type(document),
                body=msgspec.json.encode(document),
                correlation_key=f"{partner}/{number}" if number else None,
            )
        )
    found.skipped_rows = len(parsed.rejected)
    return found


def ack_extension(found: Examined) -> str:
    """The ack file's extension: ``contrl`` for EDIFACT; ``997`` / ``999`` (``997-999``
    when a file mixes versions) for X12."""
    if found.syntax is EdiSyntax.EDIFACT:
        return "contrl"
    kinds = {ack_kind(g.version) for o in found.outcomes for g in o.groups}
    return "-".join(sorted(kinds)) or "997"


def build_ack(found: Examined, first_number: int, when: datetime) -> bytes | None:
    """The acknowledgement of ``found.outcomes``, numbered on from ``first_number``.

    ``edge.edi.ack.acknowledge_outcomes`` over outcomes this module amended (mapping
    refusals pinned, all-or-nothing applied), one interchange at a time so that each ack
    interchange takes the partner's next number for its group too. X12 interchanges whose
    envelope could not be read need a TA1, not a 997 / 999, and get nothing here.
    """
    out: list[bytes] = []
    number = first_number
    for outcome in found.outcomes:
        numbers = ControlNumbers(interchange=number, group=number)
        data = acknowledge_outcomes([outcome], control_numbers=numbers, when=when).data
        if data is not None:
            out.append(data)
            number += 1
    return b"".join(out) or None
