"""The canonical documents of a distributor's order-to-cash and return-to-refund flows.

Each document is a frozen msgspec Struct tagged by ``type`` (tags are never renamed: they are
stored in the ``documents`` table and replayed years later). New fields always get defaults.
``Document`` is the tagged union of them all; decode with ``contracts.decode_document``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import msgspec
from msgspec import Meta

from contracts._types import (
    Code,
    CurrencyCode,
    Money,
    NonNegativeDecimal,
    Party,
    ProductRef,
    Quantity,
    require_finite,
    require_non_negative,
)

__all__ = [
    "AckLine",
    "Cancellation",
    "Document",
    "DocumentFunction",
    "FulfillmentLine",
    "FulfillmentRequest",
    "FunctionalAck",
    "FunctionalAckStatus",
    "GoodsReceipt",
    "InventoryLine",
    "InventoryReport",
    "Invoice",
    "InvoiceLine",
    "LineStatus",
    "OrderAcknowledgement",
    "OrderLine",
    "Package",
    "ReceiptLine",
    "ReturnLine",
    "ReturnNotice",
    "ReturnReceipt",
    "SalesOrder",
    "SettlementLine",
    "SettlementLineKind",
    "SettlementReport",
    "ShipmentConfirmation",
    "ShipmentLine",
    "SyntaxErrorNote",
    "TaxLine",
]

DocNumber = Annotated[str, Meta(min_length=1, max_length=64)]
LineNo = Annotated[int, Meta(ge=1, le=999_999)]
Sscc = Annotated[str, Meta(pattern=r"^\d{18}$", title="SSCC-18")]

_doc = {"frozen": True, "forbid_unknown_fields": True, "tag_field": "type"}
_part = {"frozen": True, "forbid_unknown_fields": True}


class DocumentFunction(enum.StrEnum):
    """Original, replacement or cancellation (EDIFACT 1225 9 / 5 / 1, X12 BEG01 00 / 05 / 01)."""

    ORIGINAL = "original"
    REPLACE = "replace"
    CANCEL = "cancel"


class LineStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    CHANGED = "changed"
    REJECTED = "rejected"
    BACKORDERED = "backordered"


# --- orders ---------------------------------------------------------------------------------


class OrderLine(msgspec.Struct, gc=False, **_part):
    """``gc=False``: a line holds scalars and frozen leaf values only, so it can never be
    part of a reference cycle; untracked, the hundred thousand lines of a large file are
    not walked again and again by the garbage collector while it is mapped."""

    line_no: LineNo
    product: ProductRef
    quantity: Quantity
    unit_price: Money | None = None
    requested_date: date | None = None
    note: str | None = None


class SalesOrder(msgspec.Struct, tag="sales_order", **_doc):
    order_number: DocNumber
    order_date: date
    parties: list[Party]
    lines: Annotated[list[OrderLine], Meta(min_length=1)]
    function: DocumentFunction = DocumentFunction.ORIGINAL
    currency: CurrencyCode | None = None
    requested_delivery: date | None = None
    requested_ship: date | None = None
    references: dict[str, str] = {}
    note: str | None = None


class AckLine(msgspec.Struct, **_part):
    line_no: LineNo
    product: ProductRef
    status: LineStatus
    ordered: Quantity
    confirmed: Quantity | None = None
    unit_price: Money | None = None
    ship_date: date | None = None
    reason: str | None = None


class OrderAcknowledgement(msgspec.Struct, tag="order_acknowledgement", **_doc):
    ack_number: DocNumber
    order_number: DocNumber
    ack_date: date
    status: LineStatus
    lines: list[AckLine] = []
    parties: list[Party] = []


class Cancellation(msgspec.Struct, tag="cancellation", **_doc):
    order_number: DocNumber
    cancel_date: date
    reason: str | None = None
    line_nos: list[LineNo] = []  # empty: the whole order


# --- fulfillment and shipping ---------------------------------------------------------------


class FulfillmentLine(msgspec.Struct, **_part):
    line_no: LineNo
    product: ProductRef
    quantity: Quantity


class FulfillmentRequest(msgspec.Struct, tag="fulfillment_request", **_doc):
    request_number: DocNumber
    order_number: DocNumber
    warehouse: Code
    ship_to: Party
    lines: Annotated[list[FulfillmentLine], Meta(min_length=1)]
    requested_ship: date | None = None
    carrier: Code | None = None
    service_level: Code | None = None
    parties: list[Party] = []
    references: dict[str, str] = {}


class Package(msgspec.Struct, **_part):
    sscc: Sscc | None = None
    tracking_number: str | None = None
    weight: Quantity | None = None


class ShipmentLine(msgspec.Struct, **_part):
    line_no: LineNo
    product: ProductRef
    shipped: Quantity
    ordered: Quantity | None = None
    sscc: Sscc | None = None

    @property
    def short(self) -> bool:
        """Less shipped than ordered (never, when the ordered quantity was not sent)."""
        return self.ordered is not None and self.shipped.value < self.ordered.value


class ShipmentConfirmation(msgspec.Struct, tag="shipment_confirmation", **_doc):
    shipment_id: DocNumber
    order_number: DocNumber
    ship_date: date
    lines: list[ShipmentLine]
    packages: list[Package] = []
    carrier: Code | None = None
    service_level: Code | None = None
    tracking_number: str | None = None
    bill_of_lading: str | None = None
    partial: bool = False
    warehouse: Code | None = None


# --- stock ----------------------------------------------------------------------------------


class InventoryLine(msgspec.Struct, **_part):
    product: ProductRef
    location: Code
    on_hand: NonNegativeDecimal | None = None
    available: Decimal | None = None
    reserved: NonNegativeDecimal | None = None
    damaged: NonNegativeDecimal | None = None
    unit: str = "EA"

    def __post_init__(self) -> None:
        require_non_negative(on_hand=self.on_hand, reserved=self.reserved, damaged=self.damaged)
        require_finite(available=self.available)  # may be negative (oversold), never NaN


class InventoryReport(msgspec.Struct, tag="inventory_report", **_doc):
    report_id: DocNumber
    as_of: datetime
    lines: list[InventoryLine]
    snapshot: bool = True  # False: the quantities are deltas (X12 947 adjustments)
    warehouse: Code | None = None


class ReceiptLine(msgspec.Struct, **_part):
    line_no: LineNo
    product: ProductRef
    received: Quantity
    accepted: Quantity | None = None
    rejected: Quantity | None = None
    reason: str | None = None


class GoodsReceipt(msgspec.Struct, tag="goods_receipt", **_doc):
    receipt_id: DocNumber
    receipt_date: date
    lines: list[ReceiptLine]
    order_number: DocNumber | None = None
    asn_number: DocNumber | None = None
    warehouse: Code | None = None


# --- returns --------------------------------------------------------------------------------


class ReturnLine(msgspec.Struct, **_part):
    line_no: LineNo
    product: ProductRef
    quantity: Quantity
    reason: Code | None = None
    condition: Code | None = None  # resaleable / damaged / ... (mapped to a location)


class ReturnNotice(msgspec.Struct, tag="return_notice", **_doc):
    rma_number: DocNumber
    notice_date: date
    lines: list[ReturnLine]
    order_number: DocNumber | None = None
    parties: list[Party] = []


class ReturnReceipt(msgspec.Struct, tag="return_receipt", **_doc):
    rma_number: DocNumber
    receipt_date: date
    lines: list[ReturnLine]
    warehouse: Code | None = None


# --- money ----------------------------------------------------------------------------------


class TaxLine(msgspec.Struct, **_part):
    category: Code
    rate: NonNegativeDecimal
    amount: Money

    def __post_init__(self) -> None:
        require_non_negative(rate=self.rate)


class InvoiceLine(msgspec.Struct, **_part):
    line_no: LineNo
    product: ProductRef
    quantity: Quantity
    unit_price: Money
    amount: Money


class Invoice(msgspec.Struct, tag="invoice", **_doc):
    invoice_number: DocNumber
    invoice_date: date
    currency: CurrencyCode
    lines: list[InvoiceLine]
    total: Money
    credit_note: bool = False
    order_number: DocNumber | None = None
    parties: list[Party] = []
    taxes: list[TaxLine] = []
    due_date: date | None = None


class SettlementLineKind(enum.StrEnum):
    ORDER = "order"
    REFUND = "refund"
    FEE = "fee"
    TAX = "tax"
    PAYOUT = "payout"
    ADJUSTMENT = "adjustment"


class SettlementLine(msgspec.Struct, **_part):
    kind: SettlementLineKind
    amount: Money
    order_number: DocNumber | None = None
    reference: str | None = None
    description: str | None = None
    posted: date | None = None


class SettlementReport(msgspec.Struct, tag="settlement_report", **_doc):
    settlement_id: DocNumber
    period_start: date
    period_end: date
    currency: CurrencyCode
    lines: list[SettlementLine]
    payout: Money | None = None


# --- acknowledgements -----------------------------------------------------------------------


class FunctionalAckStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_WITH_ERRORS = "accepted_with_errors"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"


class SyntaxErrorNote(msgspec.Struct, **_part):
    code: Code
    message: str
    message_ref: str | None = None
    segment_index: int | None = None
    segment_tag: str | None = None
    element_position: int | None = None


class FunctionalAck(msgspec.Struct, tag="functional_ack", **_doc):
    """A CONTRL / 997 / 999 read from a partner, or to be sent to one."""

    interchange_ref: DocNumber
    status: FunctionalAckStatus
    group_ref: str | None = None
    message_refs: list[str] = []
    errors: list[SyntaxErrorNote] = []


Document = (
    SalesOrder
    | OrderAcknowledgement
    | Cancellation
    | FulfillmentRequest
    | ShipmentConfirmation
    | InventoryReport
    | GoodsReceipt
    | ReturnNotice
    | ReturnReceipt
    | Invoice
    | SettlementReport
    | FunctionalAck
)
