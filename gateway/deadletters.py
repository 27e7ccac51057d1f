"""Dead letters for operators: list, inspect, replay -- over the admin API and the CLI.

Admin routes (``dead_letter_routes``; listing needs role ``read``, replay ``operate``)::

    GET  /api/dead-letters?partner=&destination=&flow=&error_class=&older_than=&limit=&after_id=
    GET  /api/dead-letters/{id}              the row, its payload and every attempt and error
    POST /api/dead-letters/{id}/replay       {"reason"?, "extra_attempts"?}
    POST /api/replay                         {"ids": [...]} or {"filter": {...}, "limit"?},
                                             plus "reason"? and "extra_attempts"?

``older_than`` is an age in seconds (``3600``: dead for at least an hour); ``include_cancelled``
adds cancelled rows. Replay moves dead (or cancelled) rows back to ``available`` with fresh
attempts; the store writes the audit entry in the same transaction, with ``who`` = the bearer
token's *name*. A replay by filter needs at least one criterion: "replay everything" is not
something to do by leaving a field out. Afterwards the delivery actors are told
(``on_replayed``), so replayed rows go out at once.

CLI (``crossdock outbox list|show|replay``): works on the store file named by ``--config``,
directly, not through the admin API. That needs no token and works while the gateway is down,
which is when an operator most needs it; it is safe while the gateway runs, because SQLite in
WAL mode lets both processes read, and each writer takes the database lock for one short
transaction (the busy timeout covers the wait). The audit's ``who`` is the OS user. A running
gateway notices CLI replays at its next idle poll (at most a few seconds) rather than at once.

Refused documents and rejected files, the other two kinds of dead letter, have their routes
in :mod:`gateway.deadletters_docs` and their commands in :mod:`gateway.documents_cli`.

A replay never makes a second record in Odoo: the delivery is the same idempotent operation,
so one that had reached Odoo before it died finds its record and completes without a change.
"""

from __future__ import annotations

import base64
import getpass
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TextIO

import msgspec
import trio
from msgspec import Meta

from contracts.errors import ConfigError
from gateway.admin import HTTPError, Request, Response, Role, Router, json_response
from gateway.store import DeadLetter, DeadLetterFilter, DeliveryRecord, Store, open_store

__all__ = [
    "NoStore",
    "ReplayFilter",
    "ReplayRequest",
    "cli_list",
    "cli_replay",
    "cli_show",
    "dead_letter_routes",
    "delivery_view",
    "os_user",
    "page_args",
    "run_on_store",
]

MAX_PAGE = 1000
Ids = Annotated[list[Annotated[int, Meta(gt=0)]], Meta(min_length=1, max_length=MAX_PAGE)]
Attempts = Annotated[int, Meta(ge=1, le=100)]


class ReplayFilter(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which dead letters; ``older_than`` is an age in seconds."""

    partner: str | None = None
    destination: str | None = None
    flow: str | None = None
    error_class: str | None = None
    older_than: Annotated[float, Meta(ge=0)] | None = None
    include_cancelled: bool = False

    def criteria(self) -> bool:
        return any(
            v is not None
            for v in (self.partner, self.destination, self.flow, self.error_class, self.older_than)
        )

    def to_store(self, now: float) -> DeadLetterFilter:
        return DeadLetterFilter(
            partner=self.partner,
            destination=self.destination,
            flow=self.flow,
            error_class=self.error_class,
            older_than=None if self.older_than is None else now - self.older_than,
            include_cancelled=self.include_cancelled,
        )


class ReplayOne(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: str | None = None
    extra_attempts: Attempts | None = None


class ReplayRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The body of ``POST /api/replay``: ``ids`` or ``filter``, not both."""

    ids: Ids | None = None
    filter: ReplayFilter | None = None
    limit: Annotated[int, Meta(ge=1, le=MAX_PAGE)] = MAX_PAGE
    reason: str | None = None
    extra_attempts: Attempts | None = None


def delivery_view(record: DeliveryRecord) -> dict[str, Any]:
    """A row as operators read it: the payload as JSON when it is JSON, else base64."""
    view: dict[str, Any] = msgspec.to_builtins(record)
    try:
        view["payload"] = msgspec.json.decode(record.payload)
        view["payload_encoding"] = "json"
    except msgspec.DecodeError:
        view["payload"] = base64.b64encode(record.payload).decode("ascii")
        view["payload_encoding"] = "base64"
    return view


def _filter_from_query(request: Request) -> ReplayFilter:
    query = {k: v[0] for k, v in request.query.items() if v and k not in ("limit", "after_id")}
    try:
        return msgspec.convert(query, ReplayFilter, strict=False)
    except msgspec.ValidationError as exc:
        raise HTTPError(400, "invalid_query", detail=str(exc)) from None


def page_args(request: Request, *, blank_is_default: bool = False) -> tuple[int, int]:
    """A listing's ``limit`` (1..MAX_PAGE, default 100) and ``after_id`` (default 0).

    400 when either is not an integer or out of range. ``blank_is_default`` reads
    ``?limit=`` as absent (the document routes do; the outbox routes always refused it).
    """
    return (
        _int_arg(request, "limit", 100, 1, MAX_PAGE, blank_is_default),
        _int_arg(request, "after_id", 0, 0, 2**62, blank_is_default),
    )


def _int_arg(
    request: Request, name: str, default: int, low: int, high: int, blank_is_default: bool
) -> int:
    raw = request.arg(name)
    if raw is None or (blank_is_default and raw == ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPError(400, "invalid_query", detail=f"{name} must be an integer") from None
    if not low <= value <= high:
        raise HTTPError(400, "invalid_query", detail=f"{name} must be in [{low}, {high}]")
    return value


def _body(request: Request, into: type[Any]) -> Any:
    return request.json(into) if request.body.strip() else into()


def dead_letter_routes(
    store: Store,
    *,
    on_replayed: Callable[[Sequence[int]], None] | None = None,
    clock: Callable[[], float] = time.time,
) -> Router:
    """The dead-letter routes; ``on_replayed`` hears the ids of every replay that moved rows."""
    router = Router()

    def replayed(ids: list[int]) -> list[int]:
        if ids and on_replayed is not None:
            on_replayed(ids)
        return ids

    @router.route("GET", "/api/dead-letters", role=Role.READ)
    async def list_(request: Request) -> Response:
        where = _filter_from_query(request).to_store(clock())
        limit, after = page_args(request)
        rows = await store.list_dead_letters(where, limit=limit, after_id=after)
        following = rows[-1].outbox_id if len(rows) == limit else None
        return json_response({"dead_letters": rows, "next_after_id": following})

    @router.route("GET", "/api/dead-letters/{id:int}", role=Role.READ)
    async def show(request: Request) -> Response:
        record = await store.get_delivery(request.params["id"])
        if record is None:
            raise HTTPError(404, "not_found", detail={"outbox_id": request.params["id"]})
        return json_response(delivery_view(record))

    @router.route("POST", "/api/dead-letters/{id:int}/replay", role=Role.OPERATE)
    async def replay_one(request: Request) -> Response:
        outbox_id: int = request.params["id"]
        body: ReplayOne = _body(request, ReplayOne)
        ids = await store.replay(
            [outbox_id],
            who=request.token_name or "admin",
            reason=body.reason,
            extra_attempts=body.extra_attempts,
        )
        if not ids:
            record = await store.get_delivery(outbox_id)
            if record is None:
                raise HTTPError(404, "not_found", detail={"outbox_id": outbox_id})
            raise HTTPError(
                409, "not_dead", detail={"outbox_id": outbox_id, "state": str(record.state)}
            )
        return json_response({"replayed": replayed(ids)})

    @router.route("POST", "/api/replay", role=Role.OPERATE)
    async def replay_many(request: Request) -> Response:
        body: ReplayRequest = _body(request, ReplayRequest)
        if (body.ids is None) == (body.filter is None):
            raise HTTPError(400, "invalid_body", detail="give either 'ids' or 'filter'")
        target: list[int] | DeadLetterFilter
        if body.filter is not None:
            if not body.filter.criteria():
                raise HTTPError(
                    400, "invalid_body", detail="a replay filter needs at least one criterion"
                )
            target = body.filter.to_store(clock())
        else:
            target = list(body.ids or ())
        ids = await store.replay(
            target,
            who=request.token_name or "admin",
            reason=body.reason,
            extra_attempts=body.extra_attempts,
            limit=body.limit,
        )
        return json_response({"replayed": replayed(ids), "count": len(ids)})

    return router


# --- the CLI's side: ``crossdock outbox ...`` on the store file ----------------------------


def os_user() -> str:
    """Who runs this command, for the audit log (the OS user, or the uid without a name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): still say who
        return f"uid:{os.getuid()}"


class NoStore(ConfigError):
    """The configured store file does not exist: nothing to list, and nothing is created."""


def run_on_store(path: Path, fn: Callable[[Store], Any]) -> Any:
    """``fn(store)`` in a trio run of its own on the store file at ``path`` (never created)."""
    if not path.is_file():
        raise NoStore(
            f"no store at {path} (is [store] path right? has the gateway run?)",
            path="$.store.path",
        )

    async def main() -> Any:
        async with open_store(path) as store:
            return await fn(store)

    return trio.run(main)


def _table(rows: Sequence[DeadLetter], out: TextIO) -> None:
    print(f"{'ID':>8}  {'STATE':9} {'PARTNER':16} {'DEST':12} {'TRIES':>5}  ERROR", file=out)
    for r in rows:
        error = f"{r.last_error_class or '-'}: {' '.join((r.last_error or '').split())}"
        print(
            f"{r.outbox_id:>8}  {r.state!s:9} {r.partner[:16]:16} {r.destination[:12]:12} "
            f"{r.attempts:>5}  {error[:90]}",
            file=out,
        )


def cli_list(
    path: Path,
    where: ReplayFilter,
    *,
    state: str = "dead",
    limit: int = 100,
    as_json: bool = False,
    out: TextIO | None = None,
) -> int:
    """``crossdock outbox list``: dead rows, or cancelled ones (``state="cancelled"``)."""
    stream = out or sys.stdout
    wanted = msgspec.structs.replace(where, include_cancelled=state == "cancelled")
    rows = run_on_store(
        path, lambda s: s.list_dead_letters(wanted.to_store(time.time()), limit=limit)
    )
    rows = [r for r in rows if str(r.state) == state]
    if as_json:
        stream.write(msgspec.json.encode(rows).decode() + "\n")
    else:
        _table(rows, stream)
    return 0


def cli_show(path: Path, outbox_id: int, *, out: TextIO | None = None) -> int:
    """``crossdock outbox show ID``: the row with its payload and whole history, as JSON."""
    stream = out or sys.stdout
    record = run_on_store(path, lambda s: s.get_delivery(outbox_id))
    if record is None:
        print(f"crossdock: no outbox row {outbox_id}", file=sys.stderr)
        return 1
    stream.write(msgspec.json.format(msgspec.json.encode(delivery_view(record))).decode() + "\n")
    return 0


def cli_replay(
    path: Path,
    target: Sequence[int] | ReplayFilter,
    *,
    reason: str | None = None,
    limit: int = MAX_PAGE,
    out: TextIO | None = None,
) -> int:
    """``crossdock outbox replay ID... | --filter``: audited as the OS user."""
    stream = out or sys.stdout
    if isinstance(target, ReplayFilter) and not target.criteria():
        print("crossdock: a replay filter needs at least one criterion", file=sys.stderr)
        return 2
    who = os_user()
    wanted: list[int] | DeadLetterFilter = (
        target.to_store(time.time()) if isinstance(target, ReplayFilter) else list(target)
    )
    ids = run_on_store(path, lambda s: s.replay(wanted, who=who, reason=reason, limit=limit))
    print(f"replayed {len(ids)} row(s) as {who}: {' '.join(map(str, ids)) or '-'}", file=stream)
    if not isinstance(target, ReplayFilter) and len(ids) < len(target):
        missed = sorted(set(target) - set(ids))
        print(
            f"crossdock: not dead (or no such row): {' '.join(map(str, missed))}", file=sys.stderr
        )
        return 1
    return 0
