"""The target vocabulary: which value of which canonical document a column fills.

Not a general path language: each document kind lists the targets it accepts, as a small tree
mirroring the contract (``lines[].quantity.value`` is ``SalesOrder.lines[i].quantity.value``).
Bracketed steps are the only variations, each with one meaning:

* ``lines[]`` / ``packages[]``: the target is per row (one line, one package), not per document;
* ``parties[ROLE]``: the party with that role (``buyer``, ``ship_to``... see ``PartyRole``);
* ``ids[SCHEME]``: that party's identifier in a scheme (``gln``, ``duns``, ``partner``...);
* ``references[KEY]``: one entry of the document's ``references`` table;
* ``street[N]``: the N-th street line (1-based) of an address;
* ``control.line_count``: a trailer's count of the detail records since the previous one.

:func:`resolve_target` turns the text into a :class:`Target` that knows its scope, its value
type and the steps to set it in a document being built (:func:`put`) or read it from a built
one (:func:`get`). ``all_targets`` lists a kind's vocabulary for messages and the docs.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any, Literal, NamedTuple

from contracts import PartyRole

from ._kinds import CONTROL_TARGETS, Kind, Tree
from ._layout import ValueType

__all__ = [
    "Scope",
    "Step",
    "Target",
    "all_targets",
    "get",
    "put",
    "resolve_target",
]

Scope = Literal["header", "line", "package", "control"]
StepKind = Literal["field", "party", "id", "entry", "item"]


class Step(NamedTuple):
    kind: StepKind
    name: str
    arg: str | int | None = None


class Target(NamedTuple):
    text: str
    scope: Scope
    steps: tuple[Step, ...]
    type: ValueType


_SEGMENT = re.compile(r"^([a-z_]+)(?:\[([A-Za-z0-9_-]*)\])?$")
_ROLES = frozenset(role.value for role in PartyRole)
_PLACEHOLDER = {"ROLE": "party", "SCHEME": "id", "KEY": "entry", "N": "item"}


def resolve_target(kind: Kind, text: str) -> Target:
    """The :class:`Target` ``text`` names in ``kind``'s vocabulary; ValueError says why not."""
    if text in CONTROL_TARGETS:
        return Target(text, "control", (), CONTROL_TARGETS[text])
    parts = text.split(".")
    node: Tree | str = kind.tree
    scope: Scope = "header"
    steps: list[Step] = []
    for position, part in enumerate(parts):
        match = _SEGMENT.match(part)
        if match is None or not isinstance(node, dict):
            raise ValueError(_unknown(kind, text))
        name, arg = match[1], match[2]
        if arg == "" and position == 0 and f"{name}[]" in node:
            scope = "line" if name == "lines" else "package"
            node = node[f"{name}[]"]
            continue
        if arg is None and name in node:
            steps.append(Step("field", name))
            node = node[name]
            continue
        found = False
        for placeholder, step_kind in _PLACEHOLDER.items():
            key = f"{name}[{placeholder}]"
            if arg is None or key not in node:
                continue
            value: str | int = arg
            if placeholder == "ROLE" and arg not in _ROLES:
                raise ValueError(
                    f"unknown party role {arg!r} in {text!r}; roles: {', '.join(sorted(_ROLES))}"
                )
            if placeholder == "N":
                if not arg.isdigit() or not 1 <= int(arg) <= 9:
                    raise ValueError(f"{text!r}: the street line must be a number from 1 to 9")
                value = int(arg)
            if placeholder in ("SCHEME", "KEY") and not arg:
                raise ValueError(f"{text!r}: name the {placeholder.lower()} inside the brackets")
            steps.append(Step(step_kind, name, value))  # type: ignore[arg-type]
            node = node[key]
            found = True
            break
        if not found:
            raise ValueError(_unknown(kind, text))
    if not isinstance(node, str):
        raise ValueError(f"{text!r} names a group, not a value; name one of its values")
    return Target(text, scope, tuple(steps), node)  # type: ignore[arg-type]


def _unknown(kind: Kind, text: str) -> str:
    known = list(all_targets(kind))
    close = difflib.get_close_matches(text, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown target {text!r} for {kind.tag}{hint} Targets: {', '.join(known)}"


def all_targets(kind: Kind) -> Iterator[str]:
    """Every target of ``kind``, placeholders in capitals: ``parties[ROLE].ids[SCHEME]``."""

    def walk(tree: Tree, prefix: str) -> Iterator[str]:
        for name, node in tree.items():
            text = f"{prefix}{name}"
            if isinstance(node, dict):
                yield from walk(node, f"{text}.")
            else:
                yield text

    yield from walk(kind.tree, "")
    yield from CONTROL_TARGETS


class Items(dict[int, Any]):
    """Street lines while a document is built: N -> value, made a list in N order at the end."""


def put(root: dict[str, Any], steps: tuple[Step, ...], value: object) -> str:
    """Set ``value`` at ``steps`` under ``root`` (a dict being built); return its JSON path
    relative to ``root`` (``.parties[0].ids[1].value``), as msgspec reports errors."""
    node = root
    path = ""
    last = len(steps) - 1
    for position, step in enumerate(steps):
        if step.kind == "field":
            path += f".{step.name}"
            if position == last:
                node[step.name] = value
            else:
                initial = {"role": "ship_to"} if step.name == "ship_to" else {}
                node = node.setdefault(step.name, initial)
        elif step.kind == "party":
            parties: list[dict[str, Any]] = node.setdefault(step.name, [])
            index = next((i for i, p in enumerate(parties) if p["role"] == step.arg), None)
            if index is None:
                parties.append({"role": step.arg})
                index = len(parties) - 1
            path += f".{step.name}[{index}]"
            node = parties[index]
        elif step.kind == "id":
            ids: list[dict[str, Any]] = node.setdefault(step.name, [])
            index = next((i for i, p in enumerate(ids) if p["scheme"] == step.arg), None)
            if index is None:
                ids.append({"scheme": step.arg, "value": value})
                index = len(ids) - 1
            ids[index]["value"] = value
            path += f".{step.name}[{index}].value"
        elif step.kind == "entry":
            node.setdefault(step.name, {})[step.arg] = value
            path += f".{step.name}[...]"
        else:  # item
            items = node.setdefault(step.name, Items())
            items[step.arg] = value
            path += f".{step.name}[{int(step.arg or 1) - 1}]"
    return path


def finish(node: object) -> object:
    """Turn every :class:`Items` left by :func:`put` into a list, in line-number order."""
    if isinstance(node, Items):
        return [node[k] for k in sorted(node)]
    if isinstance(node, dict):
        for key, value in node.items():
            node[key] = finish(value)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            node[i] = finish(value)
    return node


def get(root: object, steps: tuple[Step, ...]) -> object | None:
    """The value at ``steps`` in a built Struct (a document, a line or a package), or None."""
    node: Any = root
    for step in steps:
        if node is None:
            return None
        if step.kind == "field":
            node = getattr(node, step.name, None)
        elif step.kind == "party":
            node = next((p for p in getattr(node, step.name) if p.role == step.arg), None)
        elif step.kind == "id":
            node = next((i.value for i in getattr(node, step.name) if i.scheme == step.arg), None)
        elif step.kind == "entry":
            node = getattr(node, step.name).get(step.arg)
        else:
            lines = getattr(node, step.name)
            index = int(step.arg or 1) - 1
            node = lines[index] if index < len(lines) else None
    return node  # type: ignore[no-any-return]
