"""The quick path of element checks: "would ``SegmentChecker.check`` find nothing here?"

Most segments of a large file are valid, and most of them are not repeated verbatim (line
numbers, quantities, prices and product codes differ from line to line), so caching the
issues by the whole element tuple misses on the segments that matter. The quick path
answers the common question (*is this segment clean?*) without building anything: one
function per segment rule and number of elements sent, generated as Python source once and
compiled, with every constant of the rule (lengths, code sets, which elements are
mandatory, the X12 syntax notes) folded in. Elements beyond the count sent are known to be
absent when the function is built, so a 9-element PO1 costs nine checks, not twenty-five;
the syntax notes over elements not sent are settled then too. The simple elements are
unpacked as ``(v,)`` in one statement, which saves a ``len`` and an index per element (it
fails, and the function says "look closer", unless each has exactly one component).

It only ever says "clean" (``True``) or "look closer" (``False``); on ``False`` the validator
runs the full ``SegmentChecker.check``, which alone builds issues. So it must never say
``True`` where ``check`` would report something, and it may say ``False`` whenever in doubt
(too many elements, a simple element with components, repetitions, EDIFACT dates...): those
cases are rare and the full check decides them exactly as before.

Values whose validity is more than a length (X12 ``R`` / ``N`` / ``DT`` / ``TM``, EDIFACT
``n`` / ``a``) are checked once by the same function ``check`` uses and remembered, in a set
bounded by ``MEMO_LIMIT`` per element position, so a long-running gateway does not grow it
without end. Values in a code list are checked against the codes that pass that function.
"""

from __future__ import annotations

from collections.abc import Callable

from .._segment import Element
from ._model import Condition, SegmentRule, ValueRule

__all__ = ["MEMO_LIMIT", "Quick", "ValueCheck", "compile_quick"]

Quick = Callable[[tuple[Element, ...]], bool]
"""Elements of a segment (no repetitions) -> ``True`` when the full check finds nothing."""

ValueCheck = Callable[[ValueRule, str], "tuple[str, str] | None"]
"""The full value check of the standard: ``None`` when the value is valid."""

MEMO_LIMIT = 4096
"""Valid values remembered per element position; past it, new values are checked each time."""

_CHECKED_EDIFACT = frozenset({"n", "a"})
"""EDIFACT kinds whose check is more than a length: ``n`` (a number), ``a`` (no digits)."""


def _never(elements: tuple[Element, ...]) -> bool:
    """More elements than the rule defines, or a mandatory one absent: the full check decides."""
    return False


def compile_quick(
    rule: SegmentRule,
    sent: int,
    *,
    edifact: bool,
    value_check: ValueCheck,
    memos: dict[tuple[int, int], set[str]],
) -> Quick:
    """The quick check of ``rule`` for segments that send exactly ``sent`` elements.

    ``memos`` is the checker's store of remembered valid values, shared by the functions
    built for every ``sent`` (keys are (element position, component number or 0)).
    """
    if rule.date is not None or sent > len(rule.elements):
        return _never
    namespace: dict[str, object] = {}
    body: list[str] = []
    targets = [f"e{i}" for i in range(sent)]
    presence: dict[int, str] = {}
    slot = 0

    def fails(value_rule: ValueRule, name: str, key: tuple[int, int], mandatory: bool) -> str:
        """An expression true when value ``name`` is not clean (empty meaning absent)."""
        nonlocal slot
        slot += 1
        if value_rule.codes is not None:
            codes = frozenset(c for c in value_rule.codes if value_check(value_rule, c) is None)
            namespace[f"G{slot}"] = codes
            outside = f"{name} not in G{slot}"
            if mandatory:
                return outside if "" not in codes else f"not {name} or {outside}"
            return outside if "" in codes else f"{name} and {outside}"
        if _length_only(value_rule, edifact):
            low, high = value_rule.min, value_rule.max
            if mandatory:
                low = max(low, 1)
            elif low <= 1:
                return f"len({name}) > {high}"  # an empty value is absent, hence clean
            length = (
                f"len({name}) != {low}" if low == high else f"not {low} <= len({name}) <= {high}"
            )
            return length if mandatory else f"{name} and {length}"
        memo = memos.setdefault(key, set())
        namespace[f"M{slot}"] = memo
        namespace[f"L{slot}"] = _learner(value_rule, value_check, memo)
        learnt = f"{name} not in M{slot} and not L{slot}({name})"
        return f"not {name} or ({learnt})" if mandatory else f"{name} and {learnt}"

    simple = False
    for element in rule.elements:
        index = element.position - 1
        if index >= sent:
            if element.mandatory:
                return _never
            continue
        if element.value is not None:
            v = f"v{index}"
            targets[index] = f"({v},)"
            simple = True
            check = fails(element.value, v, (element.position, 0), element.mandatory)
            body.append(f"if {check}: return False")
            presence[index] = v
            continue
        e = f"e{index}"
        n = f"n{index}"
        components = element.components
        needed = max((k + 1 for k, c in enumerate(components) if c.mandatory), default=1)
        lines = [f"{n} = len({e})", f"if {n} > {len(components)}: return False"]
        if needed > 1:
            lines.append(f"if {n} < {needed}: return False")
        depth = 0
        for number, component in enumerate(components):
            c = f"c{index}_{number}"
            if number >= needed:
                lines.append(f"{'    ' * depth}if {n} > {number}:")
                depth += 1
            pad = "    " * depth
            key = (element.position, number + 1)
            lines.append(f"{pad}{c} = {e}[{number}]")
            lines.append(f"{pad}if {fails(component, c, key, component.mandatory)}: return False")
        if element.mandatory:
            body.append(f"if not any({e}): return False")
            body.extend(lines)
        else:
            body.append(f"if any({e}):")
            body.extend(f"    {line}" for line in lines)
        presence[index] = f"any({e})"
    for condition in rule.conditions:
        names = [presence.get(p - 1, "False") for p in condition.positions]
        if all(name == "False" for name in names):
            if condition.kind == "R":
                return _never  # one of them is required and none is sent
            continue  # every other note holds when none of its elements is sent
        body.append(f"if not ({_holds(condition, names)}): return False")
    if not sent:
        unpack = ""
    elif simple:
        # unpacking a simple element as ``(v,)`` fails unless it has exactly one component
        unpack = (
            f"    try:\n        {', '.join(targets)}, = elements\n"
            "    except ValueError:\n        return False\n"
        )
    else:
        unpack = f"    {', '.join(targets)}, = elements\n"
    source = (
        "def quick(elements):\n"
        + unpack
        + "".join(f"    {line}\n" for line in body)
        + "    return True\n"
    )
    exec(compile(source, f"<quick check {rule.tag}/{sent}>", "exec"), namespace)
    quick: Quick = namespace["quick"]  # type: ignore[assignment]
    return quick


def _length_only(rule: ValueRule, edifact: bool) -> bool:
    """Whether the full check of a value without a code list is its length alone."""
    if edifact:
        return rule.kind not in _CHECKED_EDIFACT
    kind = rule.kind
    return kind not in ("R", "DT", "TM") and not kind.startswith("N")


def _learner(rule: ValueRule, value_check: ValueCheck, memo: set[str]) -> Callable[[str], bool]:
    def learn(value: str) -> bool:
        if value_check(rule, value) is not None:
            return False
        if len(memo) < MEMO_LIMIT:
            memo.add(value)
        return True

    return learn


def _holds(condition: Condition, present: list[str]) -> str:
    """An expression true when the X12 syntax note is met (see ``_elements._condition``);
    ``present`` holds one expression per element, truthy when the element is sent."""
    first, rest = present[0], present[1:]
    kind = condition.kind
    if kind == "P":
        return f"({' and '.join(present)}) or not ({' or '.join(present)})"
    if kind == "R":
        return " or ".join(present)
    if kind == "C":
        return f"not {first} or ({' and '.join(rest) or 'True'})"
    if kind == "E":
        return f"({' + '.join(f'bool({p})' for p in present)}) <= 1"
    if kind == "L":
        return f"not {first} or ({' or '.join(rest) or 'False'})"
    return "True"
