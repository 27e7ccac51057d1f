"""How an Odoo operation names a record, and how such a name becomes a database id.

Shared by the sale operations (:mod:`._ops`) and the stock operations (:mod:`._ops_stock`):
the msgspec bases every operation is built on (immutable, keyword-only, strict about
unknown keys, compact JSON), the record reference (external ID or database id), the
constrained scalars, and :func:`resolve_record`, one call to turn an external ID into an id.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from contracts.errors import DeliveryRejected, TransientFailure

from ._client import OdooClient

__all__ = [
    "Count",
    "Key",
    "MissingRecord",
    "Quantity",
    "RecordRef",
    "Text",
    "odoo_reference",
    "resolve_record",
]

XidRef = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z0-9_-]+\.[^,\s]+$",
        description="an external ID 'module.name' such as 'sim.product_widget'",
    ),
]
DbIdRef = Annotated[int, Meta(gt=0, description="a database id, a positive integer")]
RecordRef = XidRef | DbIdRef
"""A record: its external ID (``"module.name"``) or its database id (``42``)."""

Key = Annotated[str, Meta(min_length=1, description="a non-empty idempotency key")]
Quantity = Annotated[float, Meta(gt=0, description="a quantity greater than 0")]
Count = Annotated[float, Meta(ge=0, description="a quantity of at least 0")]
Text = Annotated[str, Meta(min_length=1, description="a non-empty string")]


class MissingRecord(TransientFailure):
    """A record named by external ID is not in Odoo (yet).

    Transient: the delivery that creates it may still be in the outbox, so the row is retried
    with backoff until its attempts run out. Odoo answered, so it says nothing about Odoo's
    health: ``counts_for_breaker`` is False and the delivery actor does not count it.
    """

    counts_for_breaker = False

    def __init__(self, message: str, *, xid: str, model: str) -> None:
        super().__init__(message, xid=xid, model=model)
        self.xid = xid
        self.model = model


class Data(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """Immutable, keyword-only, strict about unknown keys, compact (defaults left out)."""


class Op(Data, frozen=True, kw_only=True, tag_field="op"):
    """An operation: tagged by its ``op`` field. Tags are never renamed."""


def odoo_reference(model: str, record_id: int) -> str:
    """Odoo's reference format, ``"sale.order,42"``: what the outbox keeps as the result."""
    return f"{model},{record_id}"


async def resolve_record(client: OdooClient, model: str, ref: int | str) -> int:
    """The database id of ``ref``; an external ID is looked up (one call).

    Unknown: :class:`MissingRecord` (it may be created by a delivery still queued). Naming
    a record of another model: ``DeliveryRejected`` (``crossdock.ExternalIdConflict``).
    """
    if isinstance(ref, int):
        return ref
    found = await client.find_external_id(ref)
    if found is None:
        raise MissingRecord(f"Odoo has no record with external ID {ref}", xid=ref, model=model)
    found_model, res_id = found
    if found_model != model:
        raise DeliveryRejected(
            f"external ID {ref} names a {found_model} record, not a {model}",
            error_name="crossdock.ExternalIdConflict",
            model=model,
            xid=ref,
        )
    return res_id
