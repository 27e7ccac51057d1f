"""The specs load, hang together, and agree with the reference directories.

Consistency: every spec of the brief exists, every used segment has a definition, every
group starts with its trigger, every code list named is defined (loading fails otherwise).
Agreement: the structure tables and segment definitions are compared with the UN/EDIFACT
and X12 directories as the Bots EDI grammars (a test dependency) publish them: positions,
mandatory / conditional, maximum repeats, group numbering, and for every segment we check,
its element count, component counts, lengths and numeric types.
"""

from __future__ import annotations

import ast
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from edge.edi.grammar import GroupSpec, MessageSpec, SpecError, all_specs, load_spec, spec_names
from edge.edi.grammar._notation import parse_segment, parse_structure

BRIEF = (
    {
        ("edifact", t, r)
        for t in ("ORDERS", "ORDRSP", "DESADV", "INVRPT", "RECADV", "INVOIC", "APERAK", "CONTRL")
        for r in ("D96A", "D01B")
    }
    | {("edifact", "RETANN", "D01B")}
    | {
        ("x12", t, r)
        for t in ("850", "855", "856", "810", "846", "940", "944", "945", "947", "180", "997")
        for r in ("004010", "005010")
    }
    | {("x12", "999", "005010")}
)


def test_every_message_of_the_brief_has_a_spec() -> None:
    assert set(spec_names()) >= BRIEF
    # RETANN is not in the D.96A directory: asking for it finds nothing
    assert ("edifact", "RETANN", "D96A") not in set(spec_names())


def walk(group: GroupSpec) -> list[GroupSpec]:
    found = [group]
    for slot in group.slots:
        if slot.group is not None:
            found.extend(walk(slot.group))
    return found


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.name)
def test_spec_is_consistent(spec: MessageSpec) -> None:
    groups = walk(spec.root)
    assert spec.root.slots[0].tag == ("UNH" if spec.standard == "edifact" else "ST")
    assert spec.root.slots[-1].tag == ("UNT" if spec.standard == "edifact" else "SE")
    names = [g.name for g in groups[1:]]
    assert len(names) == len(set(names)) or spec.standard == "x12"
    for group in groups[1:]:
        trigger = group.slots[0]
        assert trigger.mandatory and trigger.max == 1, (spec.name, group.name)
        assert trigger.group is None
    for group in groups:
        if group.collapsed:
            continue
        for slot in group.slots:
            if slot.used and slot.group is None and slot.tag not in ("UNH", "UNT", "ST", "SE"):
                assert slot.tag in spec.segments, (spec.name, slot.tag)
    for rule in spec.segments.values():
        positions = [e.position for e in rule.elements]
        assert positions == list(range(1, len(positions) + 1))
        for element in rule.elements:
            for value in [element.value] if element.value else list(element.components):
                assert value.min <= value.max
                assert value.codes is None or value.codes


def test_a_spec_error_names_the_line() -> None:
    with pytest.raises(SpecError, match="line 2"):
        parse_structure("UNH M 1\nBGM X 1\n", "test")
    with pytest.raises(SpecError, match="not defined"):
        parse_segment("BGM", "1001 C an..3 =NOPE\n", lambda name: None, "test")
    with pytest.raises(SpecError, match="indent"):
        parse_structure("UNH M 1\n BGM M 1\n", "test")


def test_releases_differ_where_the_directories_do() -> None:
    d96a, d01b = load_spec("edifact", "ORDERS", "D96A"), load_spec("edifact", "ORDERS", "D01B")
    lin96 = next(s for s in d96a.root.slots if s.tag == "LIN")
    lin01 = next(s for s in d01b.root.slots if s.tag == "LIN")
    assert lin96.group is not None and lin96.group.name == "SG25"
    assert lin01.group is not None and lin01.group.name == "SG28"
    assert d96a.segments["BGM"].elements[1].value is not None  # 1004 is simple in D96A
    assert d01b.segments["BGM"].elements[1].components  # C106 in D01B
    assert "MSG" in load_spec("x12", "850", "004010").segments
    assert "MSG" not in load_spec("x12", "850", "005010").segments


# --- the reference: Bots EDI grammars -------------------------------------------------------

GRAMMARS = Path(find_spec("edi_parser").origin).parent / "grammars"  # type: ignore[arg-type,union-attr]


@cache
def literal(path: Path, name: str) -> Any:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == name:
            return _value(node.value)
    raise AssertionError(f"{name} not in {path}")


def _value(node: ast.AST) -> Any:
    if isinstance(node, ast.List):
        return [_value(e) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        keys = [k.id if isinstance(k, ast.Name) else _value(k) for k in node.keys]  # type: ignore[union-attr]
        return dict(zip(keys, [_value(v) for v in node.values], strict=True))
    if isinstance(node, ast.Constant):
        return node.value
    raise AssertionError(ast.dump(node))


def reference_files(spec: MessageSpec) -> tuple[Path, Path] | None:
    if spec.standard == "edifact":
        if spec.type == "CONTRL":
            return None
        folder = GRAMMARS / "edifact" / spec.release
        return folder / f"{spec.type}{spec.release}UN.py", folder / f"records{spec.release}UN.py"
    folder = GRAMMARS / "x12" / spec.release[2:6].rstrip("0").ljust(4, "0")
    return folder / f"{spec.type}{spec.release}.py", folder / f"records{spec.release}.py"


def subtree_tags(nodes: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for node in nodes:
        found.add(node["ID"])
        found |= subtree_tags(node.get("LEVEL", []))
    return found


def compare(
    ours: GroupSpec, theirs: list[dict[str, Any]], x12: bool, counter: list[int], where: str
) -> None:
    assert [s.tag for s in ours.slots] == [n["ID"] for n in theirs], where
    for slot, node in zip(ours.slots, theirs, strict=True):
        here = f"{where}/{slot.tag}"
        if slot.tag != "SE":  # the reference has SE optional in 947: SE is never optional
            assert slot.mandatory == bool(node["MIN"]), here
        expected = 0 if x12 and node["MAX"] == 99999 else node["MAX"]
        assert slot.max == expected, here
        assert (slot.group is not None) == bool(node.get("LEVEL")), here
        if slot.group is None:
            continue
        counter[0] += 1
        if not x12:
            assert slot.group.name == f"SG{counter[0]}", here
        children = [{"ID": node["ID"], "MIN": 1, "MAX": 1}, *node["LEVEL"]]
        if slot.group.collapsed:
            assert slot.group.tolerated == subtree_tags(node["LEVEL"]), here
            counter[0] += sum(1 for _ in _groups(node["LEVEL"]))
            continue
        compare(slot.group, children, x12, counter, here)


def _groups(nodes: list[dict[str, Any]]) -> list[str]:
    found = []
    for node in nodes:
        if node.get("LEVEL"):
            found.append(node["ID"])
            found.extend(_groups(node["LEVEL"]))
    return found


WITH_REFERENCE = [s for s in all_specs() if reference_files(s) is not None]


@pytest.mark.parametrize("spec", WITH_REFERENCE, ids=lambda s: s.name)
def test_structure_matches_the_directory(spec: MessageSpec) -> None:
    files = reference_files(spec)
    assert files is not None and files[0].is_file(), f"the reference grammar is missing: {files}"
    root = literal(files[0], "structure")[0]
    x12 = spec.standard == "x12"
    theirs = [{"ID": root["ID"], "MIN": 1, "MAX": 1}, *root["LEVEL"]]
    compare(spec.root, theirs, x12, [0], spec.name)


@pytest.mark.parametrize("spec", WITH_REFERENCE, ids=lambda s: s.name)
def test_segments_match_the_directory(spec: MessageSpec) -> None:
    files = reference_files(spec)
    assert files is not None
    records = literal(files[1], "recorddefs")
    for tag, rule in spec.segments.items():
        fields = records[tag][1:]
        assert len(rule.elements) == len(fields), (spec.name, tag)
        for element, field in zip(rule.elements, fields, strict=True):
            where = (spec.name, tag, element.position)
            assert element.mandatory == (field[1] == "M"), where
            if isinstance(field[2], list):
                assert len(element.components) == len(field[2]), where
                pairs = list(zip(element.components, field[2], strict=True))
            else:
                assert element.value is not None, where
                pairs = [(element.value, field)]
            for value, reference in pairs:
                length = reference[2]
                low, high = length if isinstance(length, tuple) else (None, length)
                assert value.max == high, (*where, value.ref)
                if low is not None:
                    assert value.min == low, (*where, value.ref)
                kind = reference[3]
                if kind == "N" and not x12_of(spec):
                    assert value.kind == "n", (*where, value.ref)
                if kind in ("DT", "TM"):
                    assert value.kind == kind, (*where, value.ref)


def x12_of(spec: MessageSpec) -> bool:
    return spec.standard == "x12"
