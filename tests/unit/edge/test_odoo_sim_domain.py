"""The simulator's domain evaluator: Odoo's operators and prefix notation."""

from __future__ import annotations

from typing import Any

import pytest

from edge.odoo.simulator import evaluate, parse

RECORD: dict[str, Any] = {
    "name": "Acme Retail",
    "ref": False,
    "qty": 5.0,
    "count": 0,
    "is_company": True,
    "partner_id": 7,
    "tag_ids": [1, 2],
    "empty_ids": [],
    "code": "WID-001",
}
NAMES = {"partner_id": "Contoso", "tag_ids": ["vip", "eu"]}


def get(path: str, by_name: bool) -> Any:
    if by_name and path in NAMES:
        return NAMES[path]
    return RECORD[path]


def ok(domain: Any) -> bool:
    return evaluate(domain, get)


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ([], True),
        ([("name", "=", "Acme Retail")], True),
        ([("name", "!=", "Acme Retail")], False),
        ([("name", "<>", "x")], True),
        ([("qty", ">", 4)], True),
        ([("qty", ">=", 5)], True),
        ([("qty", "<", 5)], False),
        ([("qty", "<=", 5)], True),
        ([("ref", "<", "z")], False),  # NULL compares to nothing
        ([("ref", "=", False)], True),
        ([("ref", "!=", False)], False),
        ([("count", "=", False)], False),  # 0 is a value, not NULL
        ([("count", "=", 0)], True),
        ([("is_company", "=", True)], True),
        ([("is_company", "=", 1)], False),
        ([("partner_id", "in", [3, 7])], True),
        ([("partner_id", "not in", [3, 7])], False),
        ([("ref", "in", [False])], True),
        ([("name", "like", "Retail")], True),
        ([("name", "like", "retail")], False),
        ([("name", "ilike", "retail")], True),
        ([("name", "not ilike", "retail")], False),
        ([("name", "not like", "retail")], True),
        ([("code", "=like", "WID-%")], True),
        ([("code", "=like", "wid-%")], False),
        ([("code", "=ilike", "wid-___")], True),
        ([("code", "=like", "WID_001")], True),
        ([("ref", "ilike", "x")], False),
        ([("ref", "=?", False)], True),
        ([("name", "=?", "Other")], False),
        ([("partner_id", "ilike", "cont")], True),  # a many2one matched on its name
        ([("tag_ids", "=", 2)], True),
        ([("tag_ids", "in", [5, 1])], True),
        ([("tag_ids", "not in", [1])], False),
        ([("tag_ids", "ilike", "vip")], True),
        ([("empty_ids", "=", False)], True),
        ([("tag_ids", "=", False)], False),
        ([(1, "=", 1)], True),
        ([(0, "=", 1)], False),
    ],
)
def test_leaves(domain: Any, expected: bool) -> None:
    assert ok(domain) is expected


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ([("name", "=", "x"), ("qty", "=", 5)], False),  # implicit &
        (["|", ("name", "=", "x"), ("qty", "=", 5)], True),
        (["&", ("name", "=", "Acme Retail"), ("qty", "=", 5)], True),
        (["!", ("name", "=", "x")], True),
        (["!", "|", ("name", "=", "x"), ("qty", "=", 5)], False),
        (["|", "&", ("name", "=", "x"), ("qty", "=", 5), ("is_company", "=", True)], True),
        ([("is_company", "=", True), "|", ("name", "=", "x"), ("qty", "=", 6)], False),
        (["|", "|", ("name", "=", "x"), ("qty", "=", 6), ("code", "=", "WID-001")], True),
    ],
)
def test_prefix_operators(domain: Any, expected: bool) -> None:
    assert ok(domain) is expected


@pytest.mark.parametrize(
    "domain",
    [
        "name = x",
        [("name", "=")],
        [("name", "child_of", 1)],
        [("name", "between", [1, 2])],
        ["|", ("name", "=", "x")],
        ["&"],
        [(3, "=", "x")],
    ],
)
def test_malformed_domains_are_refused(domain: Any) -> None:
    with pytest.raises(ValueError):
        parse(domain)


def test_a_parsed_tree_evaluates_like_the_domain() -> None:
    tree = parse(["|", ("name", "=", "x"), ("qty", "=", 5)])
    assert evaluate(tree, get) is True
