"""Which remote files are complete: the three stability rules, as pure functions.

A partner's server does not tell us when an upload to it is finished, so each partner
chooses how it signals that (``stability`` in its channel):

``size-mtime``
    A file is taken once two polls at least ``stable_for`` seconds apart saw the same size
    and modification time. The first sighting only starts the watch, so even a file that
    looks old is taken on the second poll at the earliest (mtimes can be preserved by the
    partner's copy tool, so they prove nothing alone).
``done-file``
    ``X`` is taken once ``X.done`` (or another configured suffix, e.g. ``X.ok``) exists
    beside it; the marker is removed after ``X`` was taken.
``rename``
    The partner writes under a temporary name and renames to the final one; only files
    matching ``pattern`` (e.g. ``*.edi``) are final, and they are taken at once.

``pattern`` filters in every rule, and names starting with ``.`` (temporary files, ours and
the partner's) are skipped unless the pattern itself starts with ``.``. Observations live in
memory: after a restart, the
size-mtime watch starts again (files are taken later, never earlier). Time is passed in
(``now``, any monotonic clock), never read here.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import Literal

import msgspec

from edge.sftp._client import RemoteFile

__all__ = ["PollState", "StabilityRule", "markers_for", "select_stable"]

StabilityKind = Literal["size-mtime", "done-file", "rename"]


class StabilityRule(msgspec.Struct, frozen=True, kw_only=True):
    kind: StabilityKind = "size-mtime"
    pattern: str = "*"
    stable_for: float = 30.0
    done_suffixes: tuple[str, ...] = (".done", ".ok")


class PollState:
    """What the poller remembers between polls of one folder."""

    def __init__(self) -> None:
        # name -> (size, mtime, when first seen with them)
        self.watching: dict[str, tuple[int, int, float]] = {}
        # (name, size, mtime) the sink rejected: not fetched again until it changes
        self.refused: set[tuple[str, int, int]] = set()

    def forget(self, name: str) -> None:
        self.watching.pop(name, None)


def _is_marker(name: str, rule: StabilityRule) -> bool:
    return rule.kind == "done-file" and any(name.endswith(s) for s in rule.done_suffixes)


def markers_for(name: str, listing: Sequence[RemoteFile], rule: StabilityRule) -> list[str]:
    """The done-file markers of ``name`` present in ``listing`` (none for other rules)."""
    if rule.kind != "done-file":
        return []
    present = {f.name for f in listing}
    return [name + s for s in rule.done_suffixes if name + s in present]


def select_stable(
    listing: Sequence[RemoteFile], rule: StabilityRule, state: PollState, now: float
) -> list[RemoteFile]:
    """The files of ``listing`` to take now, by name; updates ``state``'s observations."""
    hidden_ok = rule.pattern.startswith(".")
    candidates = [
        f
        for f in listing
        if fnmatch.fnmatchcase(f.name, rule.pattern)
        and (hidden_ok or not f.name.startswith("."))
        and not _is_marker(f.name, rule)
        and (f.name, f.size, f.mtime) not in state.refused
    ]
    present = {f.name for f in candidates}
    for name in list(state.watching):
        if name not in present:
            del state.watching[name]  # gone (taken by someone, or renamed): stop watching
    if rule.kind == "rename":
        return candidates
    if rule.kind == "done-file":
        return [f for f in candidates if markers_for(f.name, listing, rule)]
    stable = []
    for f in candidates:
        seen = state.watching.get(f.name)
        if seen is not None and seen[:2] == (f.size, f.mtime):
            if now - seen[2] >= rule.stable_for:
                stable.append(f)
        else:
            state.watching[f.name] = (f.size, f.mtime, now)
    return stable
