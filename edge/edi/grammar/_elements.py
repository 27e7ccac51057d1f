"""Check the data elements of one segment against its ``SegmentRule``.

A checker is compiled once per segment rule; it returns the issues of a segment's elements
as a tuple (empty when all is well). The validator caches that tuple by the elements
themselves, because files repeat identical segments message after message (the tokenizer
already shares their element tuples), so most segments of a large file cost one dict
look-up here.

Lengths follow the standards: EDIFACT ``n`` and X12 ``R`` / ``N`` count digits only (not
the sign, not the decimal mark); EDIFACT accepts ``.`` and ``,`` as decimal mark. Dates are
real calendar dates: X12 ``DT`` (CCYYMMDD, or YYMMDD when six long), ``TM`` (HHMM, HHMMSS,
HHMMSSd..), EDIFACT DTM values by their 2379 format qualifier (102, 203, 204, 718...).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import NamedTuple

from .._segment import Element
from ._codes import EdifactCode, ElementCode
from ._model import Condition, ElementRule, SegmentRule, ValueRule
from ._quick import Quick, compile_quick

__all__ = ["Issue", "SegmentChecker"]

_EDIFACT_NUMBER = re.compile(r"-?([0-9]*)(?:([.,])([0-9]*))?")
_X12_DECIMAL = re.compile(r"-?([0-9]*)(?:\.([0-9]*))?")
_X12_INTEGER = re.compile(r"-?([0-9]+)")
_TIME = re.compile(r"([01][0-9]|2[0-3])[0-5][0-9](?:[0-5][0-9](?:[0-9]{1,2})?)?")
_DIGITS = re.compile(r"[0-9]")

_DATE_FORMATS: dict[str, tuple[str, ...]] = {
    "2": ("%d%m%y",),
    "3": ("%m%d%y",),
    "4": ("%d%m%Y",),
    "101": ("%y%m%d",),
    "102": ("%Y%m%d",),
    "201": ("%y%m%d%H%M",),
    "203": ("%Y%m%d%H%M",),
    "204": ("%Y%m%d%H%M%S",),
    "401": ("%H%M",),
    "602": ("%Y",),
    "610": ("%Y%m",),
    "718": ("%Y%m%d", "%Y%m%d"),
    "719": ("%Y%m%d%H%M", "%Y%m%d%H%M"),
}
"""EDIFACT 2379 formats we can check, as ``strptime`` patterns (two for a range)."""
_DATE_WORDS = {
    "102": "CCYYMMDD",
    "203": "CCYYMMDDHHMM",
    "204": "CCYYMMDDHHMMSS",
    "718": "CCYYMMDD-CCYYMMDD",
    "101": "YYMMDD",
}


class Issue(NamedTuple):
    """One element-level finding, before the validator adds where the segment is."""

    code: str
    element: int
    component: int | None
    ref: str
    value: str | None
    text: str
    repetition: int | None = None


class SegmentChecker:
    """The compiled checks of one segment rule for one standard (and X12 version)."""

    __slots__ = ("_edifact", "_memos", "_rule", "_x12_5010", "quick")

    def __init__(self, rule: SegmentRule, *, edifact: bool, x12_5010: bool = False) -> None:
        self._rule = rule
        self._edifact = edifact
        self._x12_5010 = x12_5010
        self._memos: dict[tuple[int, int], set[str]] = {}
        self.quick: dict[int, Quick] = {}
        """The quick checks by number of elements sent (see ``_quick``), built on first use;
        the validator reads it directly, ``quick_for`` fills it."""

    def quick_for(self, sent: int) -> Quick:
        """The quick check for segments of ``sent`` elements: ``True`` means ``check`` would
        find nothing; ``False``, that ``check`` must decide."""
        found = self.quick.get(sent)
        if found is None:
            value_check = _edifact_value if self._edifact else _x12_value
            found = self.quick[sent] = compile_quick(
                self._rule,
                sent,
                edifact=self._edifact,
                value_check=value_check,
                memos=self._memos,
            )
        return found

    def check(
        self, elements: tuple[Element, ...], repeats: tuple[tuple[Element, ...], ...] | None
    ) -> tuple[Issue, ...]:
        rule = self._rule
        issues: list[Issue] = []
        count = len(rule.elements)
        sent = len(elements)
        while sent > count and not any(elements[sent - 1]):
            sent -= 1  # trailing empty elements are not constituents
        if sent > count:
            code = (
                EdifactCode.TOO_MANY_CONSTITUENTS
                if self._edifact
                else ElementCode.TOO_MANY_ELEMENTS
            )
            issues.append(
                Issue(
                    code,
                    count + 1,
                    None,
                    "",
                    None,
                    f"{rule.tag} has {sent} data elements; the standard defines {count}",
                )
            )
        for element in rule.elements:
            index = element.position - 1
            if repeats is not None and index < len(repeats) and len(repeats[index]) > 1:
                occurrences = repeats[index]
                if len(occurrences) > element.repeat:
                    code = (
                        EdifactCode.TOO_MANY_CONSTITUENTS
                        if self._edifact
                        else ElementCode.TOO_MANY_REPETITIONS
                    )
                    issues.append(
                        Issue(
                            code,
                            element.position,
                            None,
                            element.ref,
                            None,
                            f"{rule.tag} element {element.position} ({element.ref}) repeats "
                            f"{len(occurrences)} times; at most {element.repeat} allowed",
                        )
                    )
                for number, occurrence in enumerate(occurrences, 1):
                    self._element(element, occurrence, issues, number)
                continue
            self._element(element, elements[index] if index < len(elements) else (), issues, None)
        if rule.conditions:
            self._conditions(elements, issues)
        if rule.date is not None:
            self._date(elements, issues)
        return tuple(issues)

    def _element(
        self, rule: ElementRule, element: Element, issues: list[Issue], repetition: int | None
    ) -> None:
        present = any(element)
        if not present:
            if rule.mandatory:
                issues.append(self._missing(rule.position, None, rule.ref, repetition))
            return
        if rule.value is not None:
            if len(element) > 1 and any(element[1:]):
                code = (
                    EdifactCode.TOO_MANY_CONSTITUENTS
                    if self._edifact
                    else (
                        ElementCode.TOO_MANY_COMPONENTS
                        if self._x12_5010
                        else ElementCode.TOO_MANY_ELEMENTS
                    )
                )
                issues.append(
                    Issue(
                        code,
                        rule.position,
                        2,
                        rule.ref,
                        None,
                        f"{self._rule.tag} element {rule.position} ({rule.ref}) is simple but "
                        f"has {len(element)} components",
                        repetition,
                    )
                )
            found = self._value(rule.value, element[0], rule.position, None, repetition)
            if found is not None:
                issues.append(found)
            return
        components = rule.components
        sent = len(element)
        while sent > len(components) and not element[sent - 1]:
            sent -= 1
        if sent > len(components):
            code = (
                EdifactCode.TOO_MANY_CONSTITUENTS
                if self._edifact
                else (
                    ElementCode.TOO_MANY_COMPONENTS
                    if self._x12_5010
                    else ElementCode.TOO_MANY_ELEMENTS
                )
            )
            issues.append(
                Issue(
                    code,
                    rule.position,
                    len(components) + 1,
                    rule.ref,
                    None,
                    f"{self._rule.tag} {rule.ref} has {sent} components; the standard defines "
                    f"{len(components)}",
                    repetition,
                )
            )
        for number, component in enumerate(components, 1):
            value = element[number - 1] if number <= len(element) else ""
            if not value:
                if component.mandatory:
                    issues.append(self._missing(rule.position, number, component.ref, repetition))
                continue
            found = self._value(component, value, rule.position, number, repetition)
            if found is not None:
                issues.append(found)

    def _missing(
        self, position: int, component: int | None, ref: str, repetition: int | None
    ) -> Issue:
        code = EdifactCode.MISSING if self._edifact else ElementCode.MANDATORY_MISSING
        where = f"{position}" if component is None else f"{position}.{component}"
        return Issue(
            code,
            position,
            component,
            ref,
            None,
            f"{self._rule.tag} {where} ({ref}) is mandatory and missing",
            repetition,
        )

    def _value(
        self,
        rule: ValueRule,
        value: str,
        position: int,
        component: int | None,
        repetition: int | None,
    ) -> Issue | None:
        problem = _edifact_value(rule, value) if self._edifact else _x12_value(rule, value)
        if problem is None:
            return None
        code, why = problem
        where = f"{position}" if component is None else f"{position}.{component}"
        return Issue(
            code,
            position,
            component,
            rule.ref,
            value,
            f"{self._rule.tag} {where} ({rule.ref}) {value!r}: {why}",
            repetition,
        )

    def _conditions(self, elements: tuple[Element, ...], issues: list[Issue]) -> None:
        def has(position: int) -> bool:
            return position <= len(elements) and any(elements[position - 1])

        for condition in self._rule.conditions:
            problem = _condition(condition, has)
            if problem is not None:
                code, position, why = problem
                issues.append(Issue(code, position, None, "", None, f"{self._rule.tag}: {why}"))

    def _date(self, elements: tuple[Element, ...], issues: list[Issue]) -> None:
        assert self._rule.date is not None
        (v_el, v_comp), (f_el, f_comp) = self._rule.date

        def pick(el: int, comp: int) -> str:
            element = elements[el - 1] if el <= len(elements) else ()
            return element[comp - 1] if comp <= len(element) else ""

        value, fmt = pick(v_el, v_comp), pick(f_el, f_comp)
        patterns = _DATE_FORMATS.get(fmt)
        if not value or patterns is None or _valid_date(value, patterns):
            return
        words = _DATE_WORDS.get(fmt, f"format {fmt}")
        issues.append(
            Issue(
                EdifactCode.INVALID_VALUE,
                v_el,
                v_comp,
                "2380",
                value,
                f"{self._rule.tag} {v_el}.{v_comp} (2380) {value!r} is not a valid date/time "
                f"in format {fmt} ({words})",
            )
        )


def _valid_date(value: str, patterns: tuple[str, ...]) -> bool:
    parts = value.split("-") if len(patterns) == 2 else [value]
    if len(parts) != len(patterns):
        return False
    for part, pattern in zip(parts, patterns, strict=True):
        if not part.isdigit() or len(part) != len(datetime(2000, 1, 1).strftime(pattern)):
            return False
        try:
            datetime.strptime(part, pattern)
        except ValueError:
            return False
    return True


def _edifact_value(rule: ValueRule, value: str) -> tuple[str, str] | None:
    length = len(value)
    if rule.kind == "n":
        match = _EDIFACT_NUMBER.fullmatch(value)
        if match is None or not (match.group(1) or match.group(3)):
            return EdifactCode.INVALID_CHARACTER_TYPE, "a numeric element holds other characters"
        whole, mark, fraction = match.group(1), match.group(2), match.group(3)
        if mark and not whole:
            return EdifactCode.MISSING_DIGIT_BEFORE_DECIMAL, "no digit before the decimal mark"
        if mark and not fraction:
            return EdifactCode.INVALID_VALUE, "a decimal mark must be followed by digits"
        length = len(whole) + len(fraction or "")
    elif rule.kind == "a" and _DIGITS.search(value):
        return EdifactCode.INVALID_CHARACTER_TYPE, "an alphabetic element holds digits"
    if length > rule.max:
        return EdifactCode.TOO_LONG, f"{length} characters, at most {rule.max} allowed"
    if length < rule.min:
        return EdifactCode.TOO_SHORT, f"{length} characters, at least {rule.min} required"
    if rule.codes is not None and value not in rule.codes:
        return EdifactCode.VALUE_NOT_SUPPORTED, f"not a supported code of list {rule.code_list}"
    return None


def _x12_value(rule: ValueRule, value: str) -> tuple[str, str] | None:
    kind = rule.kind
    length = len(value)
    if kind == "R":
        match = _X12_DECIMAL.fullmatch(value)
        if match is None or not (match.group(1) or match.group(2)):
            return ElementCode.INVALID_CHARACTER, "not a decimal number"
        length = len(match.group(1)) + len(match.group(2) or "")
    elif kind.startswith("N"):
        match = _X12_INTEGER.fullmatch(value)
        if match is None:
            return ElementCode.INVALID_CHARACTER, "not a number (digits, implied decimals)"
        length = len(match.group(1))
    elif kind == "DT":
        pattern = "%y%m%d" if len(value) == 6 and rule.min <= 6 else "%Y%m%d"
        if not _valid_date(value, (pattern,)):
            return ElementCode.INVALID_DATE, "not a valid date (CCYYMMDD)"
    elif kind == "TM" and _TIME.fullmatch(value) is None:
        return ElementCode.INVALID_TIME, "not a valid time (HHMM[SS[d..]])"
    if length > rule.max:
        return ElementCode.TOO_LONG, f"{length} characters, at most {rule.max} allowed"
    if length < rule.min:
        return ElementCode.TOO_SHORT, f"{length} characters, at least {rule.min} required"
    if rule.codes is not None and value not in rule.codes:
        return ElementCode.INVALID_CODE, f"not a valid code of list {rule.code_list}"
    return None


def _condition(condition: Condition, has: object) -> tuple[str, int, str] | None:
    present = has  # a callable: position -> bool
    assert callable(present)
    positions = condition.positions
    there = [p for p in positions if present(p)]
    names = "/".join(f"{p:02d}" for p in positions)
    kind = condition.kind
    if kind == "P" and there and len(there) != len(positions):
        missing = next(p for p in positions if p not in there)
        return ElementCode.CONDITIONAL_MISSING, missing, f"elements {names} go in pairs"
    if kind == "R" and not there:
        return ElementCode.CONDITIONAL_MISSING, positions[0], f"one of elements {names} is required"
    if kind == "C" and present(positions[0]):
        missing_after = [p for p in positions[1:] if p not in there]
        if missing_after:
            return (
                ElementCode.CONDITIONAL_MISSING,
                missing_after[0],
                f"element {positions[0]:02d} requires {names[3:]}",
            )
    if kind == "E" and len(there) > 1:
        return ElementCode.EXCLUSION_VIOLATED, there[1], f"only one of elements {names} may be used"
    if kind == "L" and present(positions[0]) and len(there) < 2:
        return (
            ElementCode.CONDITIONAL_MISSING,
            positions[1],
            f"element {positions[0]:02d} requires at least one of the others of {names}",
        )
    return None
