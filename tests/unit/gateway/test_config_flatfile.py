"""``[[partners.layouts]]``: flat-file layouts load through ``load_config``, and every mistake
in one is reported with its config path, together with the configuration's other problems."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import msgspec
import pytest

from edge.flatfile import CsvLayout, FixedWidthLayout, FlatLayout, check_layout, parse_flat
from gateway.config import InvalidConfig, PartnerConfig, load_config
from tests.unit.gateway.test_config_support import BASE, write_config

REPO = Path(__file__).resolve().parents[3]

PARTNER = """
[[partners]]
id = "shop"
role = "marketplace"
formats = ["csv", "fixed-width"]
channels = [{ type = "none" }]

[[partners.layouts]]
name = "orders"
format = "csv"
document = "sales_order"
files = ["ORD*.csv"]
delimiter = ";"
decimal_separator = ","
columns = [
    { name = "PO", target = "order_number" },
    { name = "Date", target = "order_date" },
    { name = "SKU", target = "lines[].product.sku" },
    { name = "Qty", target = "lines[].quantity.value" },
]

[[partners.layouts]]
name = "stock"
format = "fixed-width"
document = "inventory_report"
files = ["STK*.txt"]
record_length = 20
constants = { as_of = "2024-03-01T06:00:00" }
fields = [
    { start = 1, length = 10, target = "lines[].product.sku" },
    { start = 11, length = 5, target = "lines[].location" },
    { start = 16, length = 5, target = "lines[].on_hand", pad = "0", implied_decimals = 1 },
]
"""


def load(tmp_path: Path, text: str) -> PartnerConfig:
    config = load_config(write_config(tmp_path, BASE + text), environ={})
    assert config.warnings == ()
    return config.partner("shop")


def problems_of(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    with pytest.raises(InvalidConfig) as caught:
        load_config(write_config(tmp_path, BASE + text), environ={})
    return [(p.path, p.message) for p in caught.value.problems]


def test_layouts_load_as_the_edge_structs(tmp_path: Path) -> None:
    shop = load(tmp_path, PARTNER)
    orders, stock = shop.layouts
    assert isinstance(orders, CsvLayout) and isinstance(stock, FixedWidthLayout)
    assert (orders.delimiter, orders.decimal_separator, orders.files) == (";", ",", ("ORD*.csv",))
    assert stock.fields[2].implied_decimals == 1 and stock.record_length == 20
    parsed = parse_flat(
        b"PO;Date;SKU;Qty\nP1;2024-03-01;A;1,5\n", orders, partner=shop.id, source="ORD1.csv"
    )
    assert str(parsed.documents[0].lines[0].quantity.value) == "1.5"  # type: ignore[union-attr]
    report = parse_flat(b"SKU-1     L1   00125\n", stock, partner=shop.id, source="STK1.txt")
    assert str(report.documents[0].lines[0].on_hand) == "12.5"  # type: ignore[union-attr]


def test_partners_without_layouts_still_load(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path), environ={})
    assert all(p.layouts == () for p in config.partners)


# (what, old text, new text, expected path, words the message must contain)
CASES = [
    (
        "a type that does not exist",
        '{ name = "Qty", target = "lines[].quantity.value" }',
        '{ name = "Qty", target = "lines[].quantity.value", type = "float" }',
        "$.partners[2].layouts[0].columns[3].type",
        "'decimal'",
    ),
    (
        "a type that does not suit the target",
        '{ name = "Qty", target = "lines[].quantity.value" }',
        '{ name = "Qty", target = "lines[].quantity.value", type = "date" }',
        "$.partners[2].layouts[0].columns[3].type",
        "holds a decimal",
    ),
    (
        "an unknown target",
        'target = "lines[].product.sku" }',
        'target = "lines[].product.skus" }',
        "$.partners[2].layouts[0].columns[2].target",
        "did you mean 'lines[].product.sku'",
    ),
    (
        "a typo in a column key",
        '{ name = "PO", target = "order_number" }',
        '{ nmae = "PO", target = "order_number" }',
        "$.partners[2].layouts[0].columns[0].nmae",
        "did you mean 'name'",
    ),
    (
        "a fixed-width key in a CSV layout",
        '{ name = "PO", target = "order_number" }',
        '{ name = "PO", target = "order_number", start = 1 }',
        "$.partners[2].layouts[0].columns[0].start",
        "unknown key 'start'",
    ),
    (
        "an unknown format",
        'format = "fixed-width"',
        'format = "fixed"',
        "$.partners[2].layouts[1].format",
        "'csv', 'fixed-width'",
    ),
    (
        "an unknown document kind",
        'document = "inventory_report"',
        'document = "stock_report"',
        "$.partners[2].layouts[1].document",
        "'inventory_report'",
    ),
    (
        "overlapping fields",
        "{ start = 11, length = 5, target",
        "{ start = 9, length = 5, target",
        "$.partners[2].layouts[1].fields[1].start",
        "overlaps $.fields[0]",
    ),
    (
        "a field past the record",
        "record_length = 20",
        "record_length = 18",
        "$.partners[2].layouts[1].fields[2].length",
        "past the record length 18",
    ),
    (
        "a format the partner does not exchange",
        'formats = ["csv", "fixed-width"]',
        'formats = ["csv"]',
        "$.partners[2].layouts[1].format",
        "do not include 'fixed-width'",
    ),
    (
        "a bad constant",
        'constants = { as_of = "2024-03-01T06:00:00" }',
        'constants = { as_of = "yesterday" }',
        "$.partners[2].layouts[1].constants.as_of",
        "ISO date and time",
    ),
    (
        "nothing fills a required value",
        'constants = { as_of = "2024-03-01T06:00:00" }',
        "",
        "$.partners[2].layouts[1].fields",
        "'as_of'",
    ),
    (
        "a separator that is not one",
        'decimal_separator = ","',
        'decimal_separator = ";"',
        "$.partners[2].layouts[0].decimal_separator",
        "expected one of: ',', '.'",
    ),
]


@pytest.mark.parametrize(("what", "old", "new", "path", "words"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_layout_is_reported_with_its_config_path(
    tmp_path: Path, what: str, old: str, new: str, path: str, words: str
) -> None:
    assert old in PARTNER, what
    found = problems_of(tmp_path, PARTNER.replace(old, new, 1))
    assert len(found) == 1, found
    assert found[0][0] == path
    assert words in found[0][1], found[0][1]


def test_every_layout_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        PARTNER.replace('target = "order_date" }', 'target = "order_date", type = "int" }')
        .replace("record_length = 20", "record_length = 18")
        .replace('name = "stock"', 'name = "orders"')
    )
    paths = [path for path, _ in problems_of(tmp_path, text)]
    assert paths == [
        "$.partners[2].layouts[0].columns[1].type",
        "$.partners[2].layouts[1].fields[2].length",
        "$.partners[2].layouts[1].name",
    ]


def test_a_layout_that_can_never_be_chosen_draws_a_warning(tmp_path: Path) -> None:
    text = PARTNER.replace('files = ["STK*.txt"]', 'files = ["ORD*.csv"]')
    config = load_config(write_config(tmp_path, BASE + text), environ={})
    assert [(w.path, w.message.split(",")[0]) for w in config.warnings] == [
        ("$.partners[2].layouts[1].files", "the same file patterns as $.partners[2].layouts[0]")
    ]


def test_the_examples_in_the_documentation_are_sound_layouts() -> None:
    docs = (REPO / "docs" / "configuration.md").read_text()
    blocks = [b for b in re.findall(r"```toml\n(.*?)```", docs, re.DOTALL) if "layouts" in b]
    assert len(blocks) >= 3
    for block in blocks:
        for raw in tomllib.loads(block)["partners"]["layouts"]:
            layout = msgspec.convert(raw, FlatLayout, strict=True)  # type: ignore[var-annotated]
            assert check_layout(layout) == [], (layout.name, check_layout(layout))


def test_the_full_example_shows_both_formats_and_record_types() -> None:
    with (REPO / "examples" / "full.toml").open("rb") as file:
        raw = tomllib.load(file)
    layouts = [lay for p in raw["partners"] for lay in p.get("layouts", [])]
    assert {lay["format"] for lay in layouts} == {"csv", "fixed-width"}
    assert any("records" in lay and lay["format"] == "csv" for lay in layouts)
    assert any("records" in lay and lay["format"] == "fixed-width" for lay in layouts)
    for raw_layout in layouts:
        layout = msgspec.convert(raw_layout, FlatLayout, strict=True)  # type: ignore[var-annotated]
        assert check_layout(layout) == []
