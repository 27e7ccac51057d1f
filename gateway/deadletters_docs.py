"""Refused documents and rejected files: the other two kinds of dead letter, for operators.

A workflow that refuses a document (``Refuse``: a line without GTIN or SKU, a shipment for a
request sent to another 3PL) leaves it ``dead`` with its reason; intake that cannot read a
file leaves its inbound row ``rejected`` with the reason and position. Both wait here until
someone fixes the cause (usually the configuration: a unit mapping, a missing layout) and
replays them. Outbox dead letters have their own routes (:mod:`gateway.deadletters`).

Admin routes (``document_routes``; listing needs role ``read``, replay ``operate``)::

    GET  /api/documents?state=dead&flow=&partner=&limit=&after_id=
    GET  /api/documents/{id}                 the row and its canonical body
    POST /api/documents/{id}/replay          {"reason"?}: dead -> new
    GET  /api/inbound?state=rejected&partner=&limit=&after_id=
    GET  /api/inbound/{id}[?raw=1]           the row; the bytes (base64) only with raw=1
    POST /api/inbound/{id}/replay            {"reason"?}: rejected -> received

A replay is one store transaction that checks the row, moves it and writes the audit entry
(``who`` = the bearer token's name), so a refused replay (404 unknown id, 409 not in a
replayable state, with the state) leaves no audit entry behind. After the commit the app is
told: ``on_document_replayed(id, flow)`` tells the flow's workflow ``DocumentReady``, and
``on_inbound_replayed(id, partner)`` tells the partner's endpoint ``FileArrived``, so the
row is decided or parsed again now, with the configuration the gateway runs with.

The same operations back ``crossdock documents ...`` and ``crossdock inbound ...``
(:mod:`gateway.documents_cli`), which work on the store file and leave the running gateway
to find the replayed rows at its next periodic rehydration.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import msgspec

from gateway.admin import HTTPError, Request, Response, Role, Router, json_response
from gateway.deadletters import MAX_PAGE, page_args
from gateway.store import (
    DocumentRecord,
    DocumentState,
    IllegalTransition,
    InboundRecord,
    InboundState,
    NotFound,
    Tx,
)

__all__ = [
    "MAX_PAGE",
    "ReplayReason",
    "TxRunner",
    "document_routes",
    "document_summary",
    "document_view",
    "find_documents",
    "find_inbound",
    "inbound_summary",
    "inbound_view",
    "replay_document",
    "replay_inbound",
]

T = TypeVar("T")


class TxRunner(Protocol):
    """What the routes need of the store: its two units of work."""

    async def transact(self, fn: Callable[[Tx], T]) -> T: ...

    async def read(self, fn: Callable[[Tx], T]) -> T: ...


class ReplayReason(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The body of a replay: why, for the audit log (optional)."""

    reason: str | None = None


# --- views: what operators read ------------------------------------------------------------


def document_summary(record: DocumentRecord) -> dict[str, Any]:
    """A document as listings show it: everything but the body."""
    return {
        "document_id": record.document_id,
        "partner": record.partner,
        "flow": record.flow,
        "doc_type": record.doc_type,
        "idempotency_key": record.idempotency_key,
        "correlation_key": record.correlation_key,
        "inbound_id": record.inbound_id,
        "state": str(record.state),
        "reason": record.reason,
        "config_version": record.config_version,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def document_view(record: DocumentRecord) -> dict[str, Any]:
    """The summary plus the canonical body, as JSON (it is stored as JSON text)."""
    view = document_summary(record)
    try:
        view["body"] = msgspec.json.decode(record.body)
    except msgspec.DecodeError:  # not ours to judge here: show what is stored
        view["body"] = record.body.decode("utf-8", "replace")
    return view


def inbound_summary(record: InboundRecord) -> dict[str, Any]:
    """An inbound row as listings show it: metadata, reason and size, never the bytes."""
    return {
        "inbound_id": record.inbound_id,
        "partner": record.partner,
        "channel": record.channel,
        "source_ref": record.source_ref,
        "control_ref": record.control_ref,
        "content_hash": record.content_hash,
        "size": record.size,
        "state": str(record.state),
        "reason": record.reason,
        "duplicate_of": record.duplicate_of,
        "received_at": record.received_at,
        "updated_at": record.updated_at,
    }


def inbound_view(record: InboundRecord, *, raw: bool = False) -> dict[str, Any]:
    """The summary, plus the bytes in base64 when asked (files can be large and private)."""
    view = inbound_summary(record)
    if raw:
        view["raw"] = base64.b64encode(record.raw).decode("ascii")
        view["raw_encoding"] = "base64"
    return view


# --- operations: plain Tx functions, shared by the routes and the CLI ----------------------


def find_documents(
    tx: Tx,
    state: DocumentState,
    *,
    flow: str | None = None,
    partner: str | None = None,
    limit: int = 100,
    after_id: int = 0,
) -> list[DocumentRecord]:
    """Documents in ``state`` in id order from ``after_id`` on, of one flow and/or partner.

    The store filters by state and flow; the partner is filtered here, page by page inside
    the caller's one snapshot, so a page is full whenever that many rows exist.
    """
    found: list[DocumentRecord] = []
    after = after_id
    while len(found) < limit:
        page = tx.list_documents(state, flow=flow, after_id=after, limit=limit)
        found.extend(d for d in page if partner is None or d.partner == partner)
        if len(page) < limit:
            break
        after = page[-1].document_id
    return found[:limit]


def find_inbound(
    tx: Tx,
    state: InboundState,
    *,
    partner: str | None = None,
    limit: int = 100,
    after_id: int = 0,
) -> list[InboundRecord]:
    """Inbound rows in ``state`` (of one partner), id order from ``after_id`` on."""
    return tx.list_inbound(state, partner=partner, limit=limit, after_id=after_id)


def replay_document(
    tx: Tx, document_id: int, *, who: str, reason: str | None = None
) -> DocumentRecord:
    """dead -> new, audited as ``who``; the replayed row. Raises the store's
    :class:`NotFound` or :class:`IllegalTransition` (then nothing, not even the audit entry,
    is written: the caller's transaction is undone)."""
    tx.replay_document(document_id, who=who, reason=reason)
    record = tx.get_document(document_id)
    assert record is not None  # it was just moved, in this transaction
    return record


def replay_inbound(
    tx: Tx, inbound_id: int, *, who: str, reason: str | None = None
) -> InboundRecord:
    """rejected -> received, audited as ``who``; the replayed row. Raises :class:`NotFound`
    or :class:`IllegalTransition` before anything is written.

    The store's ``replay_inbound`` skips rows that are not rejected and audits the request
    either way; an operator replaying one row wants to hear why nothing happened, and the
    audit log should hold replays, not refused attempts, so the row is checked first.
    """
    record = tx.get_inbound(inbound_id)
    if record is None:
        raise NotFound(f"no inbound row {inbound_id}", table="inbound", row_id=inbound_id)
    if record.state is not InboundState.REJECTED:
        raise IllegalTransition(
            f"inbound {inbound_id} is {record.state}, only a rejected row can be replayed",
            table="inbound",
            row_id=inbound_id,
            state=str(record.state),
            wanted=str(InboundState.RECEIVED),
        )
    tx.replay_inbound([inbound_id], who=who, reason=reason)
    replayed = tx.get_inbound(inbound_id)
    assert replayed is not None
    return replayed


# --- the admin routes ------------------------------------------------------------------------


def _state_arg(request: Request, kind: type[Any], default: Any) -> Any:
    raw = request.arg("state") or str(default)
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(s.value for s in kind)
        raise HTTPError(
            400, "invalid_query", detail=f"state must be one of {allowed}, got {raw!r}"
        ) from None


def _flag(request: Request, name: str) -> bool:
    return (request.arg(name) or "").lower() in ("1", "true", "yes")


def _reason(request: Request) -> str | None:
    return request.json(ReplayReason).reason if request.body.strip() else None


def _refused(error: NotFound | IllegalTransition, id_field: str, wanted: str) -> HTTPError:
    if isinstance(error, NotFound):
        return HTTPError(404, "not_found", detail={id_field: error.row_id})
    return HTTPError(
        409,
        f"not_{wanted}",
        detail={
            id_field: error.row_id,
            "state": error.state,
            "reason": f"only a {wanted} row can be replayed; this one is {error.state}",
        },
    )


async def _replay_or_refuse(
    store: TxRunner, replay: Callable[[Tx], T], id_field: str, wanted: str
) -> T:
    # One transaction checks, moves and audits; a refusal becomes its 404 or 409.
    try:
        return await store.transact(replay)
    except (NotFound, IllegalTransition) as exc:
        raise _refused(exc, id_field, wanted) from None


def _found(record: T | None, id_field: str, row_id: int) -> T:
    if record is None:
        raise HTTPError(404, "not_found", detail={id_field: row_id})
    return record


def document_routes(
    store: TxRunner,
    *,
    on_document_replayed: Callable[[int, str], None] | None = None,
    on_inbound_replayed: Callable[[int, str], None] | None = None,
) -> Router:
    """The routes above. ``on_document_replayed(document_id, flow)`` and
    ``on_inbound_replayed(inbound_id, partner)`` are called after each committed replay."""
    router = Router()

    @router.route("GET", "/api/documents", role=Role.READ)
    async def list_documents(request: Request) -> Response:
        state = _state_arg(request, DocumentState, DocumentState.DEAD)
        limit, after = page_args(request, blank_is_default=True)
        flow, partner = request.arg("flow") or None, request.arg("partner") or None
        rows = await store.read(
            lambda tx: find_documents(
                tx, state, flow=flow, partner=partner, limit=limit, after_id=after
            )
        )
        following = rows[-1].document_id if len(rows) == limit else None
        return json_response(
            {"documents": [document_summary(r) for r in rows], "next_after_id": following}
        )

    @router.route("GET", "/api/documents/{id:int}", role=Role.READ)
    async def show_document(request: Request) -> Response:
        document_id: int = request.params["id"]
        record = await store.read(lambda tx: tx.get_document(document_id))
        return json_response(document_view(_found(record, "document_id", document_id)))

    @router.route("POST", "/api/documents/{id:int}/replay", role=Role.OPERATE)
    async def replay_one_document(request: Request) -> Response:
        document_id: int = request.params["id"]
        reason, who = _reason(request), request.token_name or "admin"
        record = await _replay_or_refuse(
            store,
            lambda tx: replay_document(tx, document_id, who=who, reason=reason),
            "document_id",
            "dead",
        )
        if on_document_replayed is not None:
            on_document_replayed(record.document_id, record.flow)
        return json_response({"replayed": document_summary(record)})

    @router.route("GET", "/api/inbound", role=Role.READ)
    async def list_inbound(request: Request) -> Response:
        state = _state_arg(request, InboundState, InboundState.REJECTED)
        limit, after = page_args(request, blank_is_default=True)
        partner = request.arg("partner") or None
        rows = await store.read(
            lambda tx: find_inbound(tx, state, partner=partner, limit=limit, after_id=after)
        )
        following = rows[-1].inbound_id if len(rows) == limit else None
        return json_response(
            {"inbound": [inbound_summary(r) for r in rows], "next_after_id": following}
        )

    @router.route("GET", "/api/inbound/{id:int}", role=Role.READ)
    async def show_inbound(request: Request) -> Response:
        inbound_id: int = request.params["id"]
        record = _found(
            await store.read(lambda tx: tx.get_inbound(inbound_id)), "inbound_id", inbound_id
        )
        return json_response(inbound_view(record, raw=_flag(request, "raw")))

    @router.route("POST", "/api/inbound/{id:int}/replay", role=Role.OPERATE)
    async def replay_one_inbound(request: Request) -> Response:
        inbound_id: int = request.params["id"]
        reason, who = _reason(request), request.token_name or "admin"
        record = await _replay_or_refuse(
            store,
            lambda tx: replay_inbound(tx, inbound_id, who=who, reason=reason),
            "inbound_id",
            "rejected",
        )
        if on_inbound_replayed is not None:
            on_inbound_replayed(record.inbound_id, record.partner)
        return json_response({"replayed": inbound_summary(record)})

    return router
