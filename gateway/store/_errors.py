"""The store's errors, grouped by what the caller must do.

::

    CrossdockError                      (contracts.errors)
    └── StoreError                      something about the store itself
        ├── StoreClosed                 we closed the store; this call came too late
        ├── SchemaError                 the database file and this code disagree: refuse to open
        ├── StaleClaim                  ack/fail on a row that is no longer ours: not a crash,
        │                               someone else (the rescuer, a new claim) owns it now
        ├── NotFound                    no row with that id
        ├── IllegalTransition           the row is not in a state that allows this operation
        ├── DuplicateInbound            the interchange was seen before (control reference)
        ├── ConstraintViolation         a write broke a schema constraint: a bug in the caller
        └── StoreUnavailable            the database could not do the work (disk, I/O, lock
            └── StoreBusy (+ TransientFailure)   busy timeout: retry later

``sqlite3`` exceptions never leave the package: the writer and the readers translate them
into these at the one place where SQL runs (``_sqlite.translate``), keeping the interface
open for a PostgreSQL backend.
"""

from __future__ import annotations

from typing import Any

from contracts.errors import CrossdockError, TransientFailure

__all__ = [
    "ConstraintViolation",
    "DuplicateInbound",
    "IllegalTransition",
    "NotFound",
    "SchemaError",
    "StaleClaim",
    "StoreBusy",
    "StoreClosed",
    "StoreError",
    "StoreUnavailable",
]


class StoreError(CrossdockError):
    """Root of the store's errors."""


class StoreClosed(StoreError):
    """The store was closed (by us, on shutdown) before this call could be accepted."""


class SchemaError(StoreError):
    """The database was written by newer code, or a migration changed after it was applied."""

    def __init__(self, message: str, *, path: str | None = None, **fields: Any) -> None:
        super().__init__(message, path=path, **fields)
        self.path = path


class StaleClaim(StoreError):
    """The row is no longer ``running`` under this claim token.

    The rescuer requeued it (the claim was older than its horizon), or another worker has
    claimed it since. The delivery actor drops its copy: the current owner will finish it.
    """

    def __init__(
        self, message: str, *, outbox_id: int, claim_token: str, state: str | None, **fields: Any
    ) -> None:
        super().__init__(message, outbox_id=outbox_id, state=state, **fields)
        self.outbox_id = outbox_id
        self.claim_token = claim_token
        self.state = state


class NotFound(StoreError):
    """No row of that kind with that id."""

    def __init__(self, message: str, *, table: str, row_id: int | str, **fields: Any) -> None:
        super().__init__(message, table=table, row_id=row_id, **fields)
        self.table = table
        self.row_id = row_id


class IllegalTransition(StoreError):
    """The row's state does not allow the operation (route a dead document, ...)."""

    def __init__(
        self, message: str, *, table: str, row_id: int, state: str, wanted: str, **fields: Any
    ) -> None:
        super().__init__(message, table=table, row_id=row_id, state=state, wanted=wanted, **fields)
        self.table = table
        self.row_id = row_id
        self.state = state
        self.wanted = wanted


class DuplicateInbound(StoreError):
    """The inbound row repeats an earlier one of the same partner (content or control ref)."""

    def __init__(self, message: str, *, inbound_id: int, duplicate_of: int, **fields: Any) -> None:
        super().__init__(message, inbound_id=inbound_id, duplicate_of=duplicate_of, **fields)
        self.inbound_id = inbound_id
        self.duplicate_of = duplicate_of


class ConstraintViolation(StoreError):
    """A write broke a CHECK, UNIQUE, foreign key or transition rule of the schema.

    The schema is the state machine, so this is a bug in the caller (or in the store), never
    bad partner input: it fails that one write and nothing else in its batch.
    """


class StoreUnavailable(StoreError):
    """SQLite could not do the work: I/O error, disk full, corrupt file, closed connection."""


class StoreBusy(StoreUnavailable, TransientFailure):
    """Another process held the database lock past the busy timeout; retry later."""
