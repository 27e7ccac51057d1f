"""A JSON webhook body as canonical documents: one document or a batch, refusals with paths."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts import Cancellation, SalesOrder
from contracts.errors import RejectedInput
from edge.http import decode_documents


def order(number: str = "SO-1", **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "type": "sales_order",
        "order_number": number,
        "order_date": "2024-06-10",
        "parties": [{"role": "buyer", "ids": [{"scheme": "partner", "value": "C-77"}]}],
        "lines": [
            {"line_no": 1, "product": {"sku": "WID-001"}, "quantity": {"value": "2"}},
            {"line_no": 2, "product": {"gtin": "4006381333931"}, "quantity": {"value": "1.5"}},
        ],
    }
    doc.update(changes)
    return doc


def encode(value: Any) -> bytes:
    return json.dumps(value).encode()


def test_one_document_object_is_one_document() -> None:
    [doc] = decode_documents(encode(order()))
    assert isinstance(doc, SalesOrder)
    assert doc.order_number == "SO-1"
    assert [line.product.sku for line in doc.lines] == ["WID-001", None]
    assert str(doc.lines[1].quantity.value) == "1.5"


def test_a_batch_keeps_its_order_and_may_mix_types() -> None:
    cancel = {"type": "cancellation", "order_number": "SO-0", "cancel_date": "2024-06-11"}
    docs = decode_documents(encode({"documents": [order("A"), cancel, order("B")]}))
    assert [type(d) for d in docs] == [SalesOrder, Cancellation, SalesOrder]
    assert [d.order_number for d in docs] == ["A", "SO-0", "B"]


def test_a_utf8_bom_and_blanks_around_are_allowed() -> None:
    [doc] = decode_documents(b"\xef\xbb\xbf \n" + encode(order()) + b"\n")
    assert isinstance(doc, SalesOrder)


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        (encode({"documents": [order("A"), order("B", lines=[])]}), "$.documents[1].lines",
         "length >= 1"),
        (encode(order(lines=[{"line_no": 1, "product": {}, "quantity": {"value": "1"}}])),
         "$.lines[0].product", "needs a sku"),
        (encode({"documents": [{"type": "purchase_wish"}]}), "$.documents[0].type",
         "Invalid value 'purchase_wish'"),
        (encode(order(colour="red")), "$", "unknown field `colour`"),
        (encode({"documents": []}), "$.documents", "length >= 1"),
        (encode({"orders": [order()]}), "$", 'an object with "type"'),
        (encode([order()]), "$", "got `array`"),
        (b"42", "$", "got `int`"),
        (encode({"type": "sales_order"}), "$", "missing required field `order_number`"),
    ],
)  # fmt: skip
def test_invalid_documents_are_refused_with_their_json_path(
    body: bytes, path: str, words: str
) -> None:
    with pytest.raises(RejectedInput) as refused:
        decode_documents(body, partner="shopfront", source="evt-1")
    error = refused.value
    assert (error.path, error.code, error.partner, error.source) == (
        path, "json", "shopfront", "evt-1"
    )  # fmt: skip
    assert words in error.message
    assert f"(at {path})" in error.message


def test_malformed_json_names_the_byte() -> None:
    with pytest.raises(RejectedInput) as refused:
        decode_documents(b'{"type": "sales_order",, }')
    assert refused.value.byte_offset == 23
    assert "not valid JSON" in refused.value.message
