"""Read the spec notation: structure tables and segment definitions as text.

A structure table reads like the standard's segment table, one line per position, groups
indented under their line (two spaces a level; the first child is the trigger)::

    BGM M 1                     a segment: tag, M / C (X12: M / O), maximum use
    PAI C 1 ~                   ~ : in the standard here, not used by us (never checked)
    IMD C 1/D01B:999            a value that differs by release: base, then RELEASE:value
    GIR C 10 ~ @D01B            @ : only in these releases (comma separated)
    SG C 99                     a group (EDIFACT SG, numbered in order; X12 LOOP)
      NAD M 1
    SG C 5 TAX ~ MOA LOC        a collapsed group we do not use: its trigger, then the
                                tags of its content (``TAG@RELEASE`` when release-bound)
    SG C 10 PAC +1 ~ MEA PCI    ... holding one group of its own (groups are numbered
                                through collapsed groups, as the standard numbers them)
    LOOP O 200 id=N1            an X12 loop whose identifier is not its trigger's tag

``>1`` as a maximum is X12's "unbounded". A segment definition lists every data element of
the segment, one line each, components indented under their composite::

    3035 M an..3 =3035          ref, M / C (X12: M / O / X), format, code list
    C082 C                      a composite
      3039 M an..35
    328 O AN 1/30               X12 format: type, then min/max length
    ! P0304 R0203               X12 syntax notes
    ! date 1.2 1.3              EDIFACT: date value at 1.2, its format qualifier at 1.3

``=NAME`` names a code list (``codes.toml`` or the message's ``[codes]``); ``=[A,B]`` lists
the codes inline; ``*N`` after the format lets the element repeat N times.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import msgspec

from ._model import Condition, ElementRule, GroupSpec, SegmentRule, Slot, ValueRule

__all__ = ["RawNode", "SpecError", "parse_segment", "parse_structure", "resolve"]

_X12_KINDS = re.compile(r"AN|ID|DT|TM|R|B|N[0-9]?")
_EDIFACT_FORMAT = re.compile(r"(an|a|n)(\.\.)?([0-9]+)")
_X12_LENGTH = re.compile(r"([0-9]+)/([0-9]+)")
_CONDITION = re.compile(r"([PRCEL])((?:[0-9]{2})+)")
_GROUP_WORDS = ("SG", "LOOP")


class SpecError(ValueError):
    """A spec file that cannot be read: names the file, the line and what is wrong."""


class RawNode(msgspec.Struct):
    """One line of a structure table, before a release is chosen."""

    tag: str
    status: dict[str, str]
    """Release -> ``M`` / ``C``; key ``""`` is the default."""
    maximum: dict[str, str]
    releases: frozenset[str] | None
    """``None``: in every release."""
    used: bool = True
    group: bool = False
    loop_id: str = ""
    children: list[RawNode] = msgspec.field(default_factory=list)
    tolerated: list[tuple[str, frozenset[str] | None]] = msgspec.field(default_factory=list)
    collapsed: bool = False
    nested: dict[str, str] = msgspec.field(default_factory=dict)
    """How many groups a collapsed group holds (release -> count; key ``""`` default)."""
    line: int = 0


def parse_structure(text: str, where: str) -> list[RawNode]:
    """The lines of a structure table as a tree of ``RawNode`` (releases not applied)."""
    root: list[RawNode] = []
    stack: list[tuple[int, list[RawNode]]] = [(-1, root)]
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent % 2:
            raise SpecError(f"{where} line {number}: indent by two spaces")
        depth = indent // 2
        while stack[-1][0] >= depth:
            stack.pop()
        if stack[-1][0] != depth - 1:
            raise SpecError(f"{where} line {number}: indented too deep")
        node = _structure_line(line.split("#")[0].split(), f"{where} line {number}")
        node.line = number
        parent = stack[-1][1]
        if not parent and stack[-1][0] >= 0 and node.group:
            raise SpecError(f"{where} line {number}: a group cannot start with a group")
        parent.append(node)
        if node.group and not node.collapsed:
            stack.append((depth, node.children))
    return root


def _structure_line(tokens: list[str], where: str) -> RawNode:
    releases: frozenset[str] | None = None
    if tokens and tokens[-1].startswith("@"):
        releases = frozenset(tokens.pop()[1:].split(","))
    if len(tokens) < 3:
        raise SpecError(f"{where}: expected TAG STATUS MAX, got {' '.join(tokens)!r}")
    head, status, maximum, rest = tokens[0], tokens[1], tokens[2], tokens[3:]
    node = RawNode(
        tag=head,
        status=_variants(status, where),
        maximum=_variants(maximum, where),
        releases=releases,
    )
    if head in _GROUP_WORDS:
        node.group = True
        if rest and rest[0].startswith("id="):
            node.loop_id = rest.pop(0)[3:]
        if rest:
            node.tag = rest.pop(0)
            if rest and rest[0].startswith("+"):
                node.nested = _variants(rest.pop(0)[1:], where)
            if not rest or rest[0] != "~":
                raise SpecError(f"{where}: a collapsed group is 'SG C 10 TRIGGER [+N] ~ TAGS'")
            node.collapsed = True
            for item in rest[1:]:
                tag, _, bound = item.partition("@")
                node.tolerated.append((tag, frozenset(bound.split(",")) if bound else None))
        else:
            node.tag = ""
    elif rest == ["~"]:
        node.used = False
    elif rest:
        raise SpecError(f"{where}: unexpected {' '.join(rest)!r}")
    for value in node.status.values():
        if value not in ("M", "C", "O"):
            raise SpecError(f"{where}: status {value!r} is not M, C or O")
    for value in node.maximum.values():
        if value != ">1" and not value.isdigit():
            raise SpecError(f"{where}: maximum {value!r} is not a number or >1")
    return node


def _variants(token: str, where: str) -> dict[str, str]:
    base, *overrides = token.split("/")
    out = {"": base}
    for override in overrides:
        release, sep, value = override.partition(":")
        if not sep:
            raise SpecError(f"{where}: {token!r}: overrides are RELEASE:VALUE")
        out[release] = value
    return out


def resolve(nodes: list[RawNode], release: str, *, numbered: bool) -> GroupSpec:
    """The structure as it is in ``release``: groups named (``SG1``.. when ``numbered``)."""
    counter = [0]
    slots = _resolve_level(nodes, release, numbered, counter)
    return GroupSpec(name="", slots=slots)


def _resolve_level(
    nodes: list[RawNode], release: str, numbered: bool, counter: list[int]
) -> tuple[Slot, ...]:
    slots: list[Slot] = []
    for node in nodes:
        if node.releases is not None and release not in node.releases:
            continue
        mandatory = node.status.get(release, node.status[""]) == "M"
        raw_max = node.maximum.get(release, node.maximum[""])
        maximum = 0 if raw_max == ">1" else int(raw_max)
        if not node.group:
            slots.append(Slot(node.tag, mandatory, maximum, used=node.used))
            continue
        counter[0] += 1
        default = node.loop_id or node.tag or node.children[0].tag
        name = f"SG{counter[0]}" if numbered else default
        if node.collapsed:
            if node.nested:
                counter[0] += int(node.nested.get(release, node.nested[""]))
            tolerated = frozenset(
                tag for tag, bound in node.tolerated if bound is None or release in bound
            )
            trigger = Slot(node.tag, True, 1, used=False)
            group = GroupSpec(name, (trigger,), tolerated=tolerated, collapsed=True)
            slots.append(Slot(node.tag, mandatory, maximum, group=group, used=False))
            continue
        children = _resolve_level(node.children, release, numbered, counter)
        group = GroupSpec(name, children)
        slots.append(Slot(children[0].tag, mandatory, maximum, group=group, used=children[0].used))
    return tuple(slots)


CodeLookup = Callable[[str], frozenset[str] | None]


def parse_segment(tag: str, text: str, codes: CodeLookup, where: str) -> SegmentRule:
    """A segment definition (see the module docstring) with its code lists resolved."""
    elements: list[ElementRule] = []
    conditions: list[Condition] = []
    date: tuple[tuple[int, int], tuple[int, int]] | None = None
    composite: tuple[str, bool, int, list[ValueRule]] | None = None

    def close() -> None:
        nonlocal composite
        if composite is not None:
            ref, mandatory, repeat, parts = composite
            position = len(elements) + 1
            elements.append(ElementRule(position, ref, mandatory, None, tuple(parts), repeat))
            composite = None

    for number, line in enumerate(text.splitlines(), 1):
        here = f"{where} {tag} line {number}"
        stripped = line.split("#")[0].rstrip()
        if not stripped.strip():
            continue
        tokens = stripped.split()
        if tokens[0] == "!":
            close()
            if tokens[1:2] == ["date"]:
                date = (_pair(tokens[2], here), _pair(tokens[3], here))
                continue
            for token in tokens[1:]:
                match = _CONDITION.fullmatch(token)
                if match is None:
                    raise SpecError(f"{here}: {token!r} is not a syntax note")
                digits = match.group(2)
                positions = tuple(int(digits[i : i + 2]) for i in range(0, len(digits), 2))
                kind = match.group(1)
                conditions.append(Condition(kind, positions))  # type: ignore[arg-type]
            continue
        nested = stripped.startswith(" ")
        if nested:
            if composite is None:
                raise SpecError(f"{here}: a component outside a composite")
            composite[3].append(_value(tokens, codes, here))
            continue
        close()
        repeat = 1
        if tokens[-1].startswith("*"):
            repeat = int(tokens.pop()[1:])
        if len(tokens) == 2:
            composite = (tokens[0], _status(tokens[1], here), repeat, [])
            continue
        value = _value(tokens, codes, here)
        position = len(elements) + 1
        elements.append(ElementRule(position, value.ref, value.mandatory, value, (), repeat))
    close()
    for element in elements:
        if element.value is None and not element.components:
            raise SpecError(f"{where} {tag}: composite {element.ref} has no components")
    return SegmentRule(tag, tuple(elements), tuple(conditions), date)


def _value(tokens: list[str], codes: CodeLookup, where: str) -> ValueRule:
    ref, status, rest = tokens[0], tokens[1], tokens[2:]
    if not rest:
        raise SpecError(f"{where}: {ref} has no format")
    kind: str
    if _X12_KINDS.fullmatch(rest[0]):
        kind = rest.pop(0)
        length = _X12_LENGTH.fullmatch(rest.pop(0)) if rest else None
        if length is None:
            raise SpecError(f"{where}: {ref} {kind} needs MIN/MAX")
        low, high = int(length.group(1)), int(length.group(2))
    else:
        fmt = _EDIFACT_FORMAT.fullmatch(rest.pop(0))
        if fmt is None:
            raise SpecError(f"{where}: {ref}: format is an..35, n3, a3 or an X12 type")
        kind = fmt.group(1)
        high = int(fmt.group(3))
        low = 1 if fmt.group(2) else high
    found: frozenset[str] | None = None
    name: str | None = None
    for token in rest:
        if not token.startswith("="):
            raise SpecError(f"{where}: unexpected {token!r}")
        if token.startswith("=["):
            found = frozenset(token[2:-1].split(","))
            name = ref
        else:
            name = token[1:]
            found = codes(name)
            if found is None:
                raise SpecError(f"{where}: code list {name!r} is not defined")
    return ValueRule(ref, _status(status, where), kind, low, high, found, name)


def _status(token: str, where: str) -> bool:
    if token not in ("M", "C", "O", "X"):
        raise SpecError(f"{where}: status {token!r} is not M, C, O or X")
    return token == "M"


def _pair(token: str, where: str) -> tuple[int, int]:
    element, _, component = token.partition(".")
    if not element.isdigit() or not component.isdigit():
        raise SpecError(f"{where}: {token!r} is not ELEMENT.COMPONENT")
    return int(element), int(component)


def lookup_in(*tables: Mapping[str, list[str]]) -> CodeLookup:
    """A code-list lookup that tries each table in turn (the message's before the standard's)."""

    def find(name: str) -> frozenset[str] | None:
        for table in tables:
            if name in table:
                return frozenset(table[name])
        return None

    return find
