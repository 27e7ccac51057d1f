"""What the flows that start in Odoo share: store a document and route it in one transaction.

::

    outcome = record_document(tx, NewDocument(...), decide)   # inside store.transact
    outcome.created, outcome.routed, outcome.destinations, outcome.refused

The document is inserted (idempotent on its key) and, only when it is new, decided at once
by the same ``decide`` the flow's workflow actor uses for replays: ``Route`` moves it to
``routed`` with its deliveries, ``Refuse`` makes it a dead letter with the reason. So a
document Odoo caused is never left ``new`` by the watcher, a second sighting of the same
Odoo record finds the key and changes nothing (no control number is spent), and a dead one
replayed after a fix is routed by the workflow actor exactly as the watcher would have.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from contracts.errors import ConfigError, RejectedInput
from gateway.log import get_logger
from gateway.store import DocumentRecord, NewDocument, Tx
from gateway.workflows._base import Decide, Decision, Hold, Refuse, Route

__all__ = ["Recorded", "record_document", "refusing", "when_of"]

log = get_logger("crossdock.workflows")


class Recorded(msgspec.Struct, frozen=True, kw_only=True):
    document_id: int
    created: bool
    """False: the key existed (seen before); nothing was written."""
    routed: bool = False
    refused: str | None = None
    destinations: tuple[str, ...] = ()


def when_of(tx: Tx) -> datetime:
    """The transaction's time as an aware datetime (envelope dates, document dates)."""
    return datetime.fromtimestamp(tx.now, UTC)


def refusing(decide: Decide) -> Decide:
    """``decide`` with the refusals a rendering raises (a partner's configuration that cannot
    carry the document, a value its format cannot hold) turned into ``Refuse``."""

    def guarded(tx: Tx, document: DocumentRecord) -> Decision:
        try:
            return decide(tx, document)
        except (ConfigError, RejectedInput) as exc:
            return Refuse(str(exc))

    return guarded


def record_document(tx: Tx, new: NewDocument, decide: Decide) -> Recorded:
    """Insert ``new`` and, when it was not there yet, decide and apply (see the module docs)."""
    inserted = tx.insert_document(new)
    if not inserted.created:
        return Recorded(document_id=inserted.row_id, created=False)
    document = tx.get_document(inserted.row_id)
    if document is None:  # inserted in this very transaction
        raise RuntimeError(f"document {inserted.row_id} vanished inside its transaction")
    match decide(tx, document):
        case Route(deliveries=deliveries):
            enqueued = tx.route_document_many(document.document_id, deliveries)
            fresh = {d.destination for d, e in zip(deliveries, enqueued, strict=True) if e.created}
            return Recorded(
                document_id=document.document_id,
                created=True,
                routed=True,
                destinations=tuple(sorted(fresh)),
            )
        case Refuse(reason=reason):
            tx.kill_document(document.document_id, reason)
            log.warning(
                "document_refused",
                flow=new.flow,
                partner=new.partner,
                document_id=document.document_id,
                reason=reason,
            )
            return Recorded(document_id=document.document_id, created=True, refused=reason)
        case Hold(why=why):  # stays new: the workflow actor decides it again
            return Recorded(document_id=document.document_id, created=True, refused=why)
    raise TypeError(f"{new.flow}: decide returned an unknown decision")
