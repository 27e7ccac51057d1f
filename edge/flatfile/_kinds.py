"""The document kinds a flat file can carry, each with its target vocabulary as data.

Each vocabulary is a small tree mirroring the contract: ``"lines[]": {"quantity": {"value":
"decimal"}}`` is the target ``lines[].quantity.value``, a decimal. Bracketed names are the
only variations (see :mod:`._targets`): ``[]`` per row, ``[ROLE]`` a party by role,
``[SCHEME]`` an identifier scheme, ``[KEY]`` a references entry, ``[N]`` a street line.
Adding a target is adding a leaf here; the contract's own validation does the rest.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import msgspec

from contracts import (
    FulfillmentLine,
    FulfillmentRequest,
    GoodsReceipt,
    InventoryLine,
    InventoryReport,
    OrderLine,
    ReceiptLine,
    SalesOrder,
    SettlementLine,
    SettlementReport,
    ShipmentConfirmation,
    ShipmentLine,
)

from ._layout import DocumentKind, ValueType

__all__ = ["CONTROL_TARGETS", "KINDS", "Kind", "Tree"]

Tree = dict[str, Any]  # name -> ValueType (a leaf) or a Tree

_PRODUCT: Tree = {
    "sku": "str",
    "gtin": "str",
    "supplier_item": "str",
    "buyer_item": "str",
    "description": "str",
}
_QUANTITY: Tree = {"value": "decimal", "unit": "str"}
_MONEY: Tree = {"amount": "decimal", "currency": "str"}
_ADDRESS: Tree = {
    "street[N]": "str",
    "city": "str",
    "postal_code": "str",
    "region": "str",
    "country": "str",
}
_PARTY: Tree = {
    "name": "str",
    "email": "str",
    "phone": "str",
    "ids[SCHEME]": "str",
    "address": _ADDRESS,
}
_PACKAGE: Tree = {"sscc": "str", "tracking_number": "str", "weight": _QUANTITY}


class Kind(NamedTuple):
    """One document kind: its contract, its vocabulary and what it cannot do without.

    ``key`` groups rows into documents. ``required`` / ``line_required`` are target prefixes
    of which at least one must be mapped (or given as a constant); ``line_required`` applies
    when the kind must have lines or the layout maps any line target. ``numbered``: lines
    carry ``line_no``, numbered 1, 2... in file order when no column gives it. ``currency``:
    the money values (header and line) whose currency defaults to the document's.
    """

    tag: DocumentKind
    document: type[msgspec.Struct]
    line: type[msgspec.Struct] | None
    key: str
    tree: Tree
    required: tuple[str, ...]
    line_required: tuple[str, ...]
    lines_mandatory: bool
    numbered: bool
    base: dict[str, Any]
    currency: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {
    "sales_order": Kind(
        tag="sales_order",
        document=SalesOrder,
        line=OrderLine,
        key="order_number",
        tree={
            "order_number": "str",
            "order_date": "date",
            "function": "str",
            "currency": "str",
            "requested_delivery": "date",
            "requested_ship": "date",
            "note": "str",
            "references[KEY]": "str",
            "parties[ROLE]": _PARTY,
            "lines[]": {
                "line_no": "int",
                "product": _PRODUCT,
                "quantity": _QUANTITY,
                "unit_price": _MONEY,
                "requested_date": "date",
                "note": "str",
            },
        },
        required=("order_date",),
        line_required=("lines[].product.", "lines[].quantity.value"),
        lines_mandatory=True,
        numbered=True,
        base={"parties": []},
        currency=("lines[].unit_price",),
    ),
    "shipment_confirmation": Kind(
        tag="shipment_confirmation",
        document=ShipmentConfirmation,
        line=ShipmentLine,
        key="shipment_id",
        tree={
            "shipment_id": "str",
            "order_number": "str",
            "ship_date": "date",
            "carrier": "str",
            "service_level": "str",
            "tracking_number": "str",
            "bill_of_lading": "str",
            "partial": "bool",
            "warehouse": "str",
            "packages[]": _PACKAGE,
            "lines[]": {
                "line_no": "int",
                "product": _PRODUCT,
                "shipped": _QUANTITY,
                "ordered": _QUANTITY,
                "sscc": "str",
            },
        },
        required=("order_number", "ship_date"),
        line_required=("lines[].product.", "lines[].shipped.value"),
        lines_mandatory=False,
        numbered=True,
        base={},
    ),
    "inventory_report": Kind(
        tag="inventory_report",
        document=InventoryReport,
        line=InventoryLine,
        key="report_id",
        tree={
            "report_id": "str",
            "as_of": "datetime",
            "snapshot": "bool",
            "warehouse": "str",
            "lines[]": {
                "product": _PRODUCT,
                "location": "str",
                "on_hand": "decimal",
                "available": "decimal",
                "reserved": "decimal",
                "damaged": "decimal",
                "unit": "str",
            },
        },
        required=("as_of",),
        line_required=("lines[].product.", "lines[].location"),
        lines_mandatory=False,
        numbered=False,
        base={},
    ),
    "fulfillment_request": Kind(
        tag="fulfillment_request",
        document=FulfillmentRequest,
        line=FulfillmentLine,
        key="request_number",
        tree={
            "request_number": "str",
            "order_number": "str",
            "warehouse": "str",
            "requested_ship": "date",
            "carrier": "str",
            "service_level": "str",
            "ship_to": _PARTY,
            "parties[ROLE]": _PARTY,
            "references[KEY]": "str",
            "lines[]": {"line_no": "int", "product": _PRODUCT, "quantity": _QUANTITY},
        },
        required=("order_number", "warehouse", "ship_to."),
        line_required=("lines[].product.", "lines[].quantity.value"),
        lines_mandatory=True,
        numbered=True,
        base={},
    ),
    "settlement_report": Kind(
        tag="settlement_report",
        document=SettlementReport,
        line=SettlementLine,
        key="settlement_id",
        tree={
            "settlement_id": "str",
            "period_start": "date",
            "period_end": "date",
            "currency": "str",
            "payout": _MONEY,
            "lines[]": {
                "kind": "str",
                "amount": _MONEY,
                "order_number": "str",
                "reference": "str",
                "description": "str",
                "posted": "date",
            },
        },
        required=("period_start", "period_end", "currency"),
        line_required=("lines[].kind", "lines[].amount.amount"),
        lines_mandatory=False,
        numbered=False,
        base={},
        currency=("payout", "lines[].amount"),
    ),
    "goods_receipt": Kind(
        tag="goods_receipt",
        document=GoodsReceipt,
        line=ReceiptLine,
        key="receipt_id",
        tree={
            "receipt_id": "str",
            "receipt_date": "date",
            "order_number": "str",
            "asn_number": "str",
            "warehouse": "str",
            "lines[]": {
                "line_no": "int",
                "product": _PRODUCT,
                "received": _QUANTITY,
                "accepted": _QUANTITY,
                "rejected": _QUANTITY,
                "reason": "str",
            },
        },
        required=("receipt_date",),
        line_required=("lines[].product.", "lines[].received.value"),
        lines_mandatory=False,
        numbered=True,
        base={},
    ),
}
CONTROL_TARGETS: dict[str, ValueType] = {"control.line_count": "int"}
