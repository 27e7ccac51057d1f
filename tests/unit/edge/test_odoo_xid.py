"""External ID names for idempotency keys, and the load() table built around them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.odoo import (
    SIGNATURES,
    DbId,
    ExternalId,
    SaleOrderDraft,
    SaleOrderLineDraft,
    external_id,
    external_id_name,
    is_valid_external_id_name,
    json2_params,
    jsonrpc_params,
    line_external_id,
    load_table,
)


def test_a_key_keeps_a_readable_prefix_and_gets_a_hash() -> None:
    name = external_id_name("acme-retail/UNB 4711/ORD-1")
    prefix, digest = name.rsplit("_", 1)
    assert prefix == "acme_retail_unb_4711_ord_1"
    assert len(digest) == 16 and int(digest, 16) >= 0
    assert external_id("acme-retail/UNB 4711/ORD-1") == f"crossdock.{name}"


def test_keys_that_fold_alike_get_different_names() -> None:
    assert external_id_name("PO/1") != external_id_name("po 1")
    assert external_id_name("PO/1").startswith("po_1_")
    assert external_id_name("po 1").startswith("po_1_")


def test_non_ascii_and_symbol_only_keys() -> None:
    assert external_id_name("Müller/Straße").startswith("muller_strae_")
    assert external_id_name("!!!").startswith("key_")
    with pytest.raises(ValueError):
        external_id_name("")


def test_long_keys_are_cut_but_stay_unique() -> None:
    a, b = "x" * 300 + "a", "x" * 300 + "b"
    assert external_id_name(a) != external_id_name(b)
    assert len(external_id_name(a)) <= 40 + 1 + 16


@given(st.text(min_size=1, max_size=200))
def test_every_key_gives_a_valid_deterministic_name(key: str) -> None:
    name = external_id_name(key)
    assert is_valid_external_id_name(name)
    assert name == external_id_name(key)
    assert "." not in name and "," not in name


@given(st.text(min_size=1, max_size=50), st.text(min_size=1, max_size=50))
def test_distinct_keys_get_distinct_names(a: str, b: str) -> None:
    if a != b:
        assert external_id_name(a) != external_id_name(b)


def test_line_external_ids_hang_off_the_record() -> None:
    assert (
        line_external_id("crossdock.po_1_ab", "order_line", 2) == "crossdock.po_1_ab__order_line_2"
    )
    with pytest.raises(ValueError):
        line_external_id("crossdock.x", "order_line", 0)


# -- load() tables ------------------------------------------------------------------------------


def test_sale_order_table_has_lines_on_continuation_rows() -> None:
    order = SaleOrderDraft(
        partner=ExternalId("sim.partner_acme"),
        client_order_ref="PO-1",
        lines=[
            SaleOrderLineDraft(product=ExternalId("sim.product_widget"), quantity=5),
            SaleOrderLineDraft(product=DbId(7), quantity=2.5, price_unit=9.99),
        ],
    )
    fields, rows = load_table("crossdock.po", order.values())
    assert fields == [
        "id",
        "partner_id/id",
        "client_order_ref",
        "order_line/id",
        "order_line/product_id/id",
        "order_line/product_uom_qty",
        "order_line/product_id/.id",
        "order_line/price_unit",
    ]
    assert rows == [
        [
            "crossdock.po",
            "sim.partner_acme",
            "PO-1",
            "crossdock.po__order_line_1",
            "sim.product_widget",
            "5",
            "",
            "",
        ],
        ["", "", "", "crossdock.po__order_line_2", "", "2.5", "7", "9.99"],
    ]


def test_cells_are_text() -> None:
    fields, rows = load_table(
        "crossdock.x", {"a": True, "b": False, "c": None, "d": 3, "e": 0.1, "f": "t"}
    )
    assert dict(zip(fields, rows[0], strict=True)) == {
        "id": "crossdock.x",
        "a": "1",
        "b": "0",
        "c": "",
        "d": "3",
        "e": "0.1",
        "f": "t",
    }


def test_bad_values_are_refused_before_anything_is_sent() -> None:
    with pytest.raises(ValueError):
        load_table("crossdock.x", {"id": "other"})
    with pytest.raises(TypeError):
        load_table("crossdock.x", {"a": {"nested": 1}})
    with pytest.raises(ValueError):
        load_table("crossdock.x", {"lines": [{"sub": [{"deeper": 1}]}]})
    with pytest.raises(ValueError):
        SaleOrderDraft(partner=DbId(1)).values()
    with pytest.raises(ValueError):
        DbId(0)
    with pytest.raises(ValueError):
        ExternalId("no_module")


# -- the argument rule ---------------------------------------------------------------------------


def test_json2_names_positional_arguments_from_the_orm_signatures() -> None:
    body = json2_params(
        "search_read",
        [[["is_company", "=", True]], ["name"]],
        {"limit": 5},
        context={"lang": "en_US"},
    )
    assert body == {
        "domain": [["is_company", "=", True]],
        "fields": ["name"],
        "limit": 5,
        "context": {"lang": "en_US"},
    }
    assert json2_params("write", [{"name": "x"}], ids=[3]) == {"vals": {"name": "x"}, "ids": [3]}
    assert SIGNATURES["load"] == ("fields", "data")


def test_json2_refuses_what_it_cannot_name() -> None:
    with pytest.raises(TypeError):
        json2_params("my_custom_method", [1])
    with pytest.raises(TypeError):
        json2_params("search", [[]], {"domain": []})
    with pytest.raises(TypeError):
        json2_params("read", [["a"], "x", "too many"])
    with pytest.raises(TypeError):
        json2_params("search", kwargs={"ids": [1]})


def test_jsonrpc_puts_the_recordset_first() -> None:
    assert jsonrpc_params([["name"]], {"load": "_classic_write"}, ids=[1, 2], context={"a": 1}) == (
        [[1, 2], ["name"]],
        {"load": "_classic_write", "context": {"a": 1}},
    )
    assert jsonrpc_params(kwargs={"domain": []}) == ([], {"domain": []})
