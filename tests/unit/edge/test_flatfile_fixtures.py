"""Every flat-file fixture read with its layout gives exactly its expected canonical JSON.

``fixtures/flat/layouts.toml`` holds the layouts, written as ``[[partners.layouts]]`` entries;
each fixture is read with the first layout whose ``files`` patterns match its name, as the
gateway picks them. The expected JSON is a list of documents, or for bad files
``{"rejected": [...]}`` (plus ``"documents"`` under ``reject-row``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from contracts import decode_document
from edge.flatfile import (
    FlatFileRejected,
    FlatLayout,
    check_layout,
    parse_flat,
    render_flat,
    select_layout,
)

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "fixtures" / "flat"
DATA_SUFFIXES = (".csv", ".txt")


class LayoutFile(msgspec.Struct, forbid_unknown_fields=True):
    layouts: tuple[FlatLayout, ...]


def load_layouts() -> tuple[FlatLayout, ...]:
    return msgspec.toml.decode((FIXTURES / "layouts.toml").read_bytes(), type=LayoutFile).layouts


LAYOUTS = load_layouts()
DATA = sorted(p for p in FIXTURES.iterdir() if p.suffix in DATA_SUFFIXES)


def expected_path(data: Path) -> Path:
    return data.with_name(data.stem + ".expected.json")


def as_json(value: object) -> Any:
    return json.loads(msgspec.json.encode(value))


def outcome(data: Path) -> Any:
    """What reading ``data`` gives, in the shape of its expected JSON."""
    layout = select_layout(LAYOUTS, data.name)
    try:
        parsed = parse_flat(data.read_bytes(), layout, partner="fixtures", source=data.name)
    except FlatFileRejected as rejected:
        return {"rejected": as_json(rejected.errors)}
    if parsed.rejected:
        return {"documents": as_json(parsed.documents), "rejected": as_json(parsed.rejected)}
    return as_json(parsed.documents)


def test_there_are_fixtures_of_every_kind_and_shape() -> None:
    kinds = {layout.document for layout in LAYOUTS}
    assert kinds == {
        "sales_order",
        "shipment_confirmation",
        "inventory_report",
        "fulfillment_request",
        "settlement_report",
        "goods_receipt",
    }
    assert {type(layout).__name__ for layout in LAYOUTS} == {"CsvLayout", "FixedWidthLayout"}
    assert len(DATA) >= 16


def test_every_fixture_has_its_expected_json() -> None:
    missing = [p.name for p in DATA if not expected_path(p).is_file()]
    assert missing == []
    orphans = [
        p.name
        for p in FIXTURES.glob("*.expected.json")
        if not any(expected_path(d) == p for d in DATA)
    ]
    assert orphans == []


def test_every_fixture_layout_is_sound() -> None:
    assert {layout.name: check_layout(layout) for layout in LAYOUTS} == {
        layout.name: [] for layout in LAYOUTS
    }


@pytest.mark.parametrize("data", DATA, ids=lambda p: p.name)
def test_fixture_reads_as_expected(data: Path) -> None:
    expected = json.loads(expected_path(data).read_text(encoding="utf-8"))
    assert outcome(data) == expected


@pytest.mark.parametrize("data", DATA, ids=lambda p: p.name)
def test_expected_documents_are_valid_contracts(data: Path) -> None:
    expected = json.loads(expected_path(data).read_text(encoding="utf-8"))
    documents = expected if isinstance(expected, list) else expected.get("documents", [])
    for document in documents:
        decoded = decode_document(json.dumps(document))
        assert msgspec.to_builtins(decoded) == document


# Fixtures written exactly as the renderer writes them: reading then writing gives the bytes.
CANONICAL = ["fulfillment-3pl.csv", "inventory-feed.csv", "orders-hdt.csv", "orders-fixed.txt"]


@pytest.mark.parametrize("name", CANONICAL)
def test_rendering_what_was_read_gives_the_same_bytes(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    layout = select_layout(LAYOUTS, name)
    assert layout.direction in ("outbound", "both")
    parsed = parse_flat(data, layout, partner="fixtures", source=name)
    assert render_flat(parsed.documents, layout) == data


def test_outbound_fulfillment_request_renders_the_3pl_csv() -> None:
    expected = json.loads(expected_path(FIXTURES / "fulfillment-3pl.csv").read_text("utf-8"))
    documents = [decode_document(json.dumps(d)) for d in expected]
    layout = select_layout(LAYOUTS, "fulfillment-3pl.csv")
    written = render_flat(documents, layout)
    assert written == (FIXTURES / "fulfillment-3pl.csv").read_bytes()
    assert b'"Gate 3, Dock B"' in written and b'"Caf\xc3\xa9 ""Zur Post"""' in written


def test_each_rejected_fixture_reports_rows_and_columns() -> None:
    for data in DATA:
        expected = json.loads(expected_path(data).read_text(encoding="utf-8"))
        if isinstance(expected, dict):
            for error in expected["rejected"]:
                assert isinstance(error["row"], int) and error["row"] >= 1, (data.name, error)
                assert error["code"] and error["expected"], (data.name, error)


def test_the_fixtures_are_bytes_of_their_declared_encodings() -> None:
    assert (FIXTURES / "orders-semicolon-bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    latin1 = (FIXTURES / "orders-latin1.csv").read_bytes()
    assert b"Caf\xe9 Cr\xe8me M\xfcller" in latin1  # Latin-1, not UTF-8
    cp1252 = (FIXTURES / "orders-cp1252.csv").read_bytes()
    assert (
        b"O\x92Brien" in cp1252 and b"\x80" in cp1252
    )  # a right quote and the euro sign in Windows-1252
    assert re.search(rb"\r\n", (FIXTURES / "orders-basic.csv").read_bytes())
