"""Odoo search domains, evaluated in memory.

A domain is a list in Polish (prefix) notation: leaves ``[field, operator, value]`` and the
operators ``&`` and ``|`` (two operands) and ``!`` (one); consecutive terms are joined by an
implicit ``&``. ``[]`` matches everything; the leaves ``(1, '=', 1)`` and ``(0, '=', 1)`` are
Odoo's constant true and false.

Values come from a ``get(path, by_name)`` callback (the ORM): a scalar, or a list for
one2many / many2many fields and paths through them, where a positive operator matches when
any element does and a negative one when none does (as Odoo's SQL does). ``by_name`` asks for
related records' display names instead of ids, for leaves like ``('partner_id', 'ilike', 'acme')``.

Supported: ``= != <> < > <= >= in not in like not like ilike not ilike =like =ilike =?``.
``child_of`` / ``parent_of`` / ``any`` are refused with a ValueError, as Odoo refuses unknown
operators.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["OPERATORS", "evaluate", "match", "parse"]

Getter = Callable[[str, bool], Any]
Node = tuple[Any, ...]

OPERATORS = frozenset(
    {
        "=",
        "!=",
        "<>",
        "<",
        ">",
        "<=",
        ">=",
        "in",
        "not in",
        "like",
        "not like",
        "ilike",
        "not ilike",
        "=like",
        "=ilike",
        "=?",
    }
)
_NEGATIVE = {"!=": "=", "<>": "=", "not in": "in", "not like": "like", "not ilike": "ilike"}
_TEXT = frozenset({"like", "ilike", "=like", "=ilike"})
_TRUE_LEAF = (1, "=", 1)
_FALSE_LEAF = (0, "=", 1)


def _leaf(term: Any) -> Node:
    if not isinstance(term, list | tuple) or len(term) != 3:
        raise ValueError(f"Invalid leaf {term!r}")
    left, operator, right = term
    if tuple(term) in (_TRUE_LEAF, _FALSE_LEAF):
        return ("const", tuple(term) == _TRUE_LEAF)
    if not isinstance(left, str) or not left:
        raise ValueError(f"Invalid leaf {term!r}: the field must be a name")
    if not isinstance(operator, str) or operator.lower() not in OPERATORS:
        raise ValueError(f"Invalid leaf {term!r}: unsupported operator {operator!r}")
    return ("leaf", left, operator.lower(), right)


def _parse_at(tokens: Sequence[Any], index: int) -> tuple[Node, int]:
    if index >= len(tokens):
        raise ValueError(f"Invalid domain {list(tokens)!r}: an operator lacks operands")
    token = tokens[index]
    if token == "!":
        child, index = _parse_at(tokens, index + 1)
        return ("!", child), index
    if token in ("&", "|"):
        left, index = _parse_at(tokens, index + 1)
        right, index = _parse_at(tokens, index)
        return (token, left, right), index
    return _leaf(token), index + 1


def parse(domain: Any) -> Node:
    """The domain as a tree; raises ValueError for anything Odoo would refuse."""
    if domain is None or domain is False:
        return ("const", True)
    if not isinstance(domain, list | tuple):
        raise ValueError(f"Invalid domain {domain!r}: a domain is a list")
    terms: list[Node] = []
    index = 0
    while index < len(domain):
        node, index = _parse_at(domain, index)
        terms.append(node)
    if not terms:
        return ("const", True)
    tree = terms[-1]
    for node in reversed(terms[:-1]):
        tree = ("&", node, tree)
    return tree


def evaluate(domain: Any, get: Getter) -> bool:
    return _eval(parse(domain) if not _is_node(domain) else domain, get)


def _is_node(value: Any) -> bool:
    return isinstance(value, tuple) and bool(value) and value[0] in ("const", "leaf", "!", "&", "|")


def _eval(node: Node, get: Getter) -> bool:
    kind = node[0]
    if kind == "const":
        return bool(node[1])
    if kind == "!":
        return not _eval(node[1], get)
    if kind == "&":
        return _eval(node[1], get) and _eval(node[2], get)
    if kind == "|":
        return _eval(node[1], get) or _eval(node[2], get)
    _, path, operator, operand = node
    by_name = isinstance(operand, str) and operator not in ("=?",)
    return match(get(path, by_name), operator, operand)


def _empty(value: Any) -> bool:
    return value is None or value is False or value == "" or value == []


def _like(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    return re.compile("".join(parts), re.S | (re.I if ignore_case else 0))


def _scalar(value: Any, operator: str, operand: Any) -> bool:
    if operator == "=":
        if operand is False or operand is None:
            return _empty(value)
        if isinstance(value, bool) or isinstance(operand, bool):
            return value is operand
        return bool(value == operand)
    if operator == "in":
        items = operand if isinstance(operand, list | tuple) else [operand]
        if _empty(value):
            return any(item is False or item is None for item in items)
        return value in items
    if operator in ("<", ">", "<=", ">="):
        if value is None or isinstance(value, bool) or value == []:
            return False
        try:
            return bool(
                {
                    "<": value < operand,
                    ">": value > operand,
                    "<=": value <= operand,
                    ">=": value >= operand,
                }[operator]
            )
        except TypeError:
            return False
    if operator in _TEXT:
        if _empty(value) or operand is False or operand is None:
            return False
        text, needle = str(value), str(operand)
        if operator == "like":
            return needle in text
        if operator == "ilike":
            return needle.lower() in text.lower()
        return bool(_like(needle, ignore_case=operator == "=ilike").fullmatch(text))
    raise ValueError(f"unsupported operator {operator!r}")


def match(value: Any, operator: str, operand: Any) -> bool:
    """Does a field's value satisfy ``operator operand``?"""
    if operator == "=?":
        return True if operand is None or operand is False else match(value, "=", operand)
    if operator in _NEGATIVE:
        return not match(value, _NEGATIVE[operator], operand)
    if isinstance(value, list):
        if operator == "=" and (operand is False or operand is None):
            return not value
        return any(_scalar(item, operator, operand) for item in value)
    return _scalar(value, operator, operand)
