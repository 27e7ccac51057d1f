"""Load the specs under ``specs/``: one TOML file per message, one segment dictionary and
one code-list file per standard.

Releases share one file per message: lines of the structure table carry the releases they
differ in (see ``_notation``), and a segment dictionary lists the segments of its first
release in full and, for each later release, only the segments that changed. A spec is
built on first use and kept (specs are immutable).

Lookup follows the envelope: EDIFACT by UNH S009 (type, version, release, agency; the
association code, ``EAN008`` and the like, is not part of the key: EANCOM subsets are
validated against the UN message they restrict), X12 by ST01 and the first six characters
of GS08 (``005010X222A1`` is ``005010``).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any

from ._model import MessageSpec, SegmentRule, Standard
from ._notation import SpecError, lookup_in, parse_segment, parse_structure, resolve

__all__ = ["all_specs", "load_spec", "spec_for_edifact", "spec_for_x12", "spec_names"]

_SERVICE = frozenset({"UNH", "UNT", "ST", "SE"})


def _read(standard: Standard, name: str) -> dict[str, Any]:
    resource = files(__package__).joinpath("specs", standard, f"{name}.toml")
    try:
        return tomllib.loads(resource.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"specs/{standard}/{name}.toml: {error}") from None


@cache
def _index(standard: Standard) -> dict[tuple[str, str], str]:
    """(type, release) -> file name, for every message file of the standard."""
    found: dict[tuple[str, str], str] = {}
    folder = files(__package__).joinpath("specs", standard)
    for entry in folder.iterdir():
        name = entry.name
        if not name.endswith(".toml") or name in ("segments.toml", "codes.toml"):
            continue
        stem = name[: -len(".toml")]
        data = _read(standard, stem)
        for release in data["releases"]:
            found[(data["type"], release)] = stem
    return found


@cache
def _dictionary(standard: Standard) -> tuple[list[str], dict[str, dict[str, str]]]:
    data = _read(standard, "segments")
    return list(data["releases"]), data["segments"]


@cache
def _codes(standard: Standard) -> dict[str, list[str]]:
    lists: dict[str, list[str]] = _read(standard, "codes")["lists"]
    return lists


def _segment_texts(standard: Standard, release: str) -> dict[str, str]:
    order, by_release = _dictionary(standard)
    if release not in order:
        raise SpecError(f"specs/{standard}/segments.toml has no release {release!r}")
    texts: dict[str, str] = {}
    for name in order[: order.index(release) + 1]:
        texts.update(by_release.get(name, {}))
    return texts


def spec_names() -> list[tuple[Standard, str, str]]:
    """(standard, type, release) of every spec there is."""
    out: list[tuple[Standard, str, str]] = []
    for standard in ("edifact", "x12"):
        out.extend((standard, t, r) for t, r in sorted(_index(standard)))
    return out


@cache
def load_spec(standard: Standard, type: str, release: str) -> MessageSpec:
    """The spec of ``type`` in ``release``; ``KeyError`` if there is none."""
    stem = _index(standard)[(type, release)]
    where = f"specs/{standard}/{stem}.toml"
    data = _read(standard, stem)
    codes = lookup_in(data.get("codes", {}), _codes(standard))
    root = resolve(
        parse_structure(data["structure"], where), release, numbered=standard == "edifact"
    )
    texts = _segment_texts(standard, data.get("dictionary", release))
    segments: dict[str, SegmentRule] = {}
    pending = list(root.slots)
    while pending:
        slot = pending.pop()
        if slot.group is not None and not slot.group.collapsed:
            pending.extend(slot.group.slots)
            continue
        if not slot.used or slot.tag in _SERVICE or slot.tag in segments:
            continue
        if slot.tag not in texts:
            raise SpecError(f"{where}: segment {slot.tag} is used but not defined for {release}")
        segments[slot.tag] = parse_segment(slot.tag, texts[slot.tag], codes, where)
    key = None
    if "key" in data:
        tag, position = data["key"].split()
        key = (tag, int(position))
    return MessageSpec(
        standard=standard,
        type=type,
        release=release,
        agency=data.get("agency", "UN" if standard == "edifact" else "X"),
        root=root,
        segments=segments,
        key=key,
        functional_id=data.get("functional_id", ""),
    )


def all_specs() -> list[MessageSpec]:
    """Every spec, loaded (the consistency tests walk them)."""
    return [load_spec(standard, t, r) for standard, t, r in spec_names()]


def spec_for_edifact(
    type: str, version: str, release: str, agency: str = "UN"
) -> MessageSpec | None:
    """The spec for a UNH S009, or ``None`` when we have none for it."""
    if agency not in ("UN", ""):
        return None
    try:
        return load_spec("edifact", type, f"{version}{release}")
    except KeyError:
        return None


def spec_for_x12(set_id: str, version: str) -> MessageSpec | None:
    """The spec for ST01 in a group whose GS08 is ``version``, or ``None``."""
    try:
        return load_spec("x12", set_id, version[:6])
    except KeyError:
        return None
