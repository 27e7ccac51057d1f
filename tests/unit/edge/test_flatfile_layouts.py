"""Layouts as a whole: what ``check_layout`` refuses (with the path of the key to change), the
target vocabulary, and the package's purity (no I/O, no asyncio world)."""

from __future__ import annotations

import ast
from pathlib import Path

import msgspec
import pytest

from contracts.errors import ConfigError
from edge.flatfile import (
    KINDS,
    CsvColumn,
    CsvLayout,
    CsvRecord,
    FixedField,
    FixedRecord,
    FixedWidthLayout,
    FlatLayout,
    LayoutError,
    RecordTypeSpan,
    all_targets,
    check_layout,
    parse_flat,
    render_flat,
)
from edge.flatfile._targets import resolve_target

REPO = Path(__file__).resolve().parents[3]
PACKAGE = REPO / "edge" / "flatfile"

GOOD = CsvLayout(
    name="orders",
    document="sales_order",
    columns=(
        CsvColumn(name="po", target="order_number"),
        CsvColumn(name="date", target="order_date"),
        CsvColumn(name="sku", target="lines[].product.sku"),
        CsvColumn(name="qty", target="lines[].quantity.value"),
    ),
)


def problems(layout: FlatLayout) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in check_layout(layout)]


def with_column(index: int, **changes: object) -> CsvLayout:
    columns = list(GOOD.columns)
    columns[index] = msgspec.structs.replace(columns[index], **changes)
    return msgspec.structs.replace(GOOD, columns=tuple(columns))


def test_a_good_layout_has_no_problems() -> None:
    assert problems(GOOD) == []


CASES = [
    (
        with_column(2, target="lines[].product.skew"),
        "$.columns[2].target",
        "did you mean 'lines[].product.sku'",
    ),
    (with_column(2, target="lines[].product"), "$.columns[2].target", "names a group"),
    (
        with_column(2, target="parties[king].name"),
        "$.columns[2].target",
        "unknown party role 'king'",
    ),
    (with_column(1, type="decimal"), "$.columns[1].type", "holds a date"),
    (with_column(3, type="str"), "$.columns[3].type", "decimal, int"),
    (with_column(3, format="%Y"), "$.columns[3].format", "only dates"),
    (with_column(1, format="%Y-%m"), "$.columns[1].format", "year, month and day"),
    (with_column(2, implied_decimals=2), "$.columns[2].implied_decimals", "only decimals"),
    (with_column(3, map={"x": "many"}), "$.columns[3].map.x", "got 'many'"),
    (
        with_column(3, target="lines[].product.sku"),
        "$.columns[3].target",
        "already used by $.columns[2]",
    ),
    (
        with_column(3, target="control.line_count"),
        "$.columns[3].target",
        "cannot be in a file of one record type",
    ),
    (
        msgspec.structs.replace(GOOD, columns=GOOD.columns[::2]),
        "$.columns",
        "'lines[].quantity.value'",
    ),
    (msgspec.structs.replace(GOOD, columns=GOOD.columns[1:]), None, None),  # the key is optional
    (
        msgspec.structs.replace(GOOD, columns=GOOD.columns[:1] + GOOD.columns[2:]),
        "$.columns",
        "'order_date'",
    ),
    (
        msgspec.structs.replace(GOOD, constants={"currency": "EUR", "nope": "1"}),
        "$.constants.nope",
        "unknown target",
    ),
    (
        msgspec.structs.replace(GOOD, constants={"order_date": "01.03.2024"}),
        "$.constants.order_date",
        "ISO date",
    ),
    (
        msgspec.structs.replace(GOOD, constants={"lines[].quantity.value": "x"}),
        "$.constants['lines[].quantity.value']",
        "number",
    ),
    (
        msgspec.structs.replace(GOOD, decimal_separator=",", thousands_separator=","),
        "$.thousands_separator",
        "differ",
    ),
    (msgspec.structs.replace(GOOD, date_format="%H:%M"), "$.date_format", "year, month and day"),
    (
        msgspec.structs.replace(GOOD, datetime_format="%Y-%m-%d"),
        "$.datetime_format",
        "hour and minute",
    ),
    (msgspec.structs.replace(GOOD, delimiter='"'), "$.quote", "differ from the delimiter"),
    (msgspec.structs.replace(GOOD, delimiter="\n"), "$.delimiter", "line break"),
    (msgspec.structs.replace(GOOD, columns=()), "$.columns", "needs columns"),
    (
        msgspec.structs.replace(GOOD, record_type_column=1),
        "$.record_type_column",
        "only used with records",
    ),
    (with_column(0, name="qty"), "$.columns[3].name", "already used by $.columns[0]"),
]


@pytest.mark.parametrize(("layout", "path", "words"), CASES)
def test_check_layout_names_the_key_to_change(
    layout: CsvLayout, path: str | None, words: str | None
) -> None:
    found = problems(layout)
    if path is None:
        assert found == []
        return
    assert any(p == path and words in m for p, m in found), found


def test_an_outbound_layout_writes_only_what_the_partner_wants() -> None:
    feed = msgspec.structs.replace(GOOD, columns=GOOD.columns[2:], direction="outbound")
    assert problems(feed) == []
    assert problems(msgspec.structs.replace(feed, direction="both")) != []


def test_the_problems_of_records() -> None:
    records = CsvLayout(
        name="r",
        document="sales_order",
        header=False,
        columns=(CsvColumn(target="order_number"),),
        records=(
            CsvRecord(code="H", role="detail", columns=(CsvColumn(index=2, target="order_date"),)),
            CsvRecord(
                code="H", role="trailer", columns=(CsvColumn(index=1, target="lines[].note"),)
            ),
        ),
    )
    paths = {p for p, _ in problems(records)}
    assert {
        "$.columns",  # columns and records together
        "$.record_type_column",  # records without it
        "$.records",  # no header record type
        "$.records[1].code",  # a code twice
        "$.records[1].columns[0].target",  # a line target in a trailer
    } <= paths


def test_the_problems_of_fixed_width_fields() -> None:
    layout = FixedWidthLayout(
        name="f",
        document="inventory_report",
        record_length=20,
        constants={"as_of": "2024-03-01T00:00:00"},
        fields=(
            FixedField(start=1, length=10, target="lines[].product.sku"),
            FixedField(start=8, length=5, target="lines[].location"),
            FixedField(start=15, length=10, target="lines[].on_hand"),
        ),
    )
    assert problems(layout) == [
        ("$.fields[1].start", "overlaps $.fields[0]"),
        ("$.fields[2].length", "the field ends at 24, past the record length 20"),
    ]
    multi = FixedWidthLayout(
        name="m",
        document="sales_order",
        record_type=RecordTypeSpan(start=1, length=3),
        records=(
            FixedRecord(
                code="HD",
                role="header",
                fields=(FixedField(start=4, length=5, target="order_date"),),
            ),
            FixedRecord(
                code="DTL",
                fields=(
                    FixedField(start=4, length=5, target="lines[].product.sku"),
                    FixedField(start=9, length=5, target="lines[].quantity.value"),
                ),
            ),
        ),
    )
    assert problems(multi) == [
        ("$.records[0].code", "must be 3 characters long, as record_type.length says")
    ]


def test_an_unusable_layout_is_a_config_error_when_used() -> None:
    bad = with_column(1, type="decimal")
    with pytest.raises(LayoutError) as caught:
        parse_flat(b"po,date,sku,qty\n", bad, partner="p", source="f")
    assert isinstance(caught.value, ConfigError)
    assert caught.value.path == "$.columns[1].type"
    with pytest.raises(LayoutError):
        render_flat([], bad)


def test_every_kind_has_a_vocabulary_that_resolves() -> None:
    for kind in KINDS.values():
        targets = list(all_targets(kind))
        assert kind.key in targets
        for text in targets:
            concrete = (
                text.replace("ROLE", "buyer")
                .replace("SCHEME", "gln")
                .replace("KEY", "po")
                .replace("[N]", "[2]")
            )
            target = resolve_target(kind, concrete)
            assert target.text == concrete
            assert target.scope == (
                "line"
                if concrete.startswith("lines[]")
                else "package"
                if concrete.startswith("packages[]")
                else "control"
                if concrete.startswith("control.")
                else "header"
            )


def test_targets_know_their_types() -> None:
    kind = KINDS["shipment_confirmation"]
    assert resolve_target(kind, "partial").type == "bool"
    assert resolve_target(kind, "lines[].shipped.value").type == "decimal"
    assert resolve_target(kind, "packages[].weight.unit").scope == "package"
    with pytest.raises(ValueError, match="street line"):
        resolve_target(KINDS["fulfillment_request"], "ship_to.address.street[10]")
    with pytest.raises(ValueError, match="unknown target"):
        resolve_target(KINDS["inventory_report"], "lines[].quantity.value")


ASYNCIO_WORLD = {"asyncio", "asyncssh", "aiosqlite", "trio", "trio_asyncio", "anyio"}
IO_NAMES = {"open", "socket", "subprocess", "os", "pathlib", "shutil"}


def test_the_package_is_pure() -> None:
    """No asyncio world, no file or network I/O: bytes in, bytes out."""
    sources = sorted(PACKAGE.glob("*.py"))
    assert len(sources) >= 8
    found = []
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                names = [node.func.id] if node.func.id == "open" else []
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in ASYNCIO_WORLD or top in IO_NAMES:
                    found.append(f"{path.name}:{node.lineno} {name}")
    assert found == []


def test_modules_are_small() -> None:
    sizes = {p.name: len(p.read_text().splitlines()) for p in PACKAGE.glob("*.py")}
    assert max(sizes.values()) <= 500, sizes
