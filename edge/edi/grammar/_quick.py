"""The quick path of element checks: "would ``SegmentChecker.check`` find nothing here?"

Most segments of a large file are valid, and most of them are not repeated verbatim (line
numbers, quantities, prices and product codes differ from line to line), so caching the
issues by the whole element tuple misses on the segments that matter. The quick path
answers the common question (*is this segment clean?*) without building anything: one
function per segment rule and number of elements sent, generated as Python source once and
compiled, with every constant of the rule (lengths, code sets, which elements are
mandatory, the X12 syntax notes) folded in. Elements beyond the count sent are known to be
absent when the function is built, so a 9-element PO1 costs nine checks, not twenty-five.

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
    presence: dict[int, str] = {}
    slot = 0

    def test(value_rule: ValueRule, name: str, key: tuple[int, int]) -> str:
        nonlocal slot
        slot += 1
        if value_rule.codes is not None:
            namespace[f"G{slot}"] = frozenset(
                c for c in value_rule.codes if value_check(value_rule, c) is None
            )
            return f"{name} in G{slot}"
        if _length_only(value_rule, edifact):
            return f"{value_rule.min} <= len({name}) <= {value_rule.max}"
        memo = memos.setdefault(key, set())
        namespace[f"M{slot}"] = memo
        namespace[f"L{slot}"] = _learner(value_rule, value_check, memo)
        return f"({name} in M{slot} or L{slot}({name}))"

    for element in rule.elements:
        index = element.position - 1
        if index >= sent:
            if element.mandatory:
                return _never
            continue
        e = f"e{index}"
        if element.value is not None:
            v = f"v{index}"
            body.append(f"if len({e}) != 1: return False")
            body.append(f"{v} = {e}[0]")
            check = test(element.value, v, (element.position, 0))
            if element.mandatory:
                body.append(f"if not {v} or not ({check}): return False")
            else:
                body.append(f"if {v} and not ({check}): return False")
            presence[index] = f'({v} != "")'
            continue
        components = element.components
        body.append(f"if any({e}):")
        body.append(f"    if len({e}) > {len(components)}: return False")
        for number, component in enumerate(components):
            c = f"c{index}_{number}"
            body.append(f'    {c} = {e}[{number}] if len({e}) > {number} else ""')
            check = test(component, c, (element.position, number + 1))
            if component.mandatory:
                body.append(f"    if not {c} or not ({check}): return False")
            else:
                body.append(f"    if {c} and not ({check}): return False")
        if element.mandatory:
            body.append("else: return False")
    for condition in rule.conditions:
        names = [
            presence.get(p - 1, f"any(e{p - 1})") if p - 1 < sent else "False"
            for p in condition.positions
        ]
        body.append(f"if not ({_holds(condition, names)}): return False")
    unpack = f"    {''.join(f'e{i}, ' for i in range(sent))}= elements\n" if sent else ""
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
    """An expression true when the X12 syntax note is met (see ``_elements._condition``)."""
    first, rest = present[0], present[1:]
    kind = condition.kind
    if kind == "P":
        return f"({' and '.join(present)}) or not ({' or '.join(present)})"
    if kind == "R":
        return " or ".join(present)
    if kind == "C":
        return f"not {first} or ({' and '.join(rest) or 'True'})"
    if kind == "E":
        return f"({' + '.join(present)}) <= 1"
    if kind == "L":
        return f"not {first} or ({' or '.join(rest) or 'False'})"
    return "True"
