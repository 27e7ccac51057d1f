"""What the three 3PL flows share: reading the stored document, naming products, the delivery.

A 3PL names a product by GTIN and / or SKU; Odoo finds it by barcode or internal reference
(:class:`edge.odoo.ProductCode`, looked up when the op is delivered). Lines are summed per
product, because a 3PL that packs one product in two cartons sends two lines and Odoo's
picking has one move. A line naming the product only by the partner's own codes cannot be
found in Odoo at all: the document is refused naming the line, never guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TypeVar

import msgspec

from contracts import Document, ProductRef, decode_document
from edge.odoo import OdooOp, ProductCode, encode_op
from gateway.config import Config, PartnerConfig
from gateway.store import DocumentRecord, NewDelivery

__all__ = [
    "ProductKey",
    "decode_as",
    "describe_product",
    "joined",
    "odoo_delivery",
    "partner_of",
    "product_code",
    "product_key",
    "sum_per_product",
]

D = TypeVar("D", bound=Document)

ProductKey = tuple[str | None, str | None]
"""(GTIN, SKU): how lines of one product are told apart and summed."""


def decode_as(document: DocumentRecord, kind: type[D]) -> D | str:
    """The stored document as ``kind``, or the reason it is not one (a refusal)."""
    try:
        decoded = decode_document(document.body)
    except msgspec.ValidationError as exc:
        return f"the stored document is not a valid canonical document: {exc}"
    if not isinstance(decoded, kind):
        return f"the stored document is a {type(decoded).__name__}, not a {kind.__name__}"
    return decoded


def partner_of(document: DocumentRecord, config: Config) -> PartnerConfig | str:
    """The sending partner's configuration, or the reason there is none."""
    try:
        return config.partner(document.partner)
    except KeyError:
        return f"partner {document.partner!r} is not configured (no [[partners]] entry)"


def product_key(product: ProductRef) -> ProductKey | None:
    """(GTIN, SKU) of a line's product; None when it has neither (Odoo cannot find it)."""
    if product.gtin is None and product.sku is None:
        return None
    return (product.gtin, product.sku)


def product_code(key: ProductKey) -> ProductCode:
    return ProductCode(barcode=key[0], default_code=key[1])


def describe_product(product: ProductRef) -> str:
    """Why a product cannot be found: what the partner sent instead of a GTIN or SKU."""
    sent = ", ".join(
        f"{name} {value!r}"
        for name, value in (
            ("supplier_item", product.supplier_item),
            ("buyer_item", product.buyer_item),
        )
        if value
    )
    return "no GTIN or SKU to find the product in Odoo by" + (
        f" (the partner sent only {sent})" if sent else ""
    )


def sum_per_product(
    lines: Iterable[tuple[int, int, ProductRef, Decimal]],
) -> dict[ProductKey, Decimal] | str:
    """Quantities summed per product, in first-seen order; or the refusal naming the first
    line without a GTIN or SKU. ``lines`` are (line number, index, product, quantity)."""
    sums: dict[ProductKey, Decimal] = {}
    for line_no, index, product, quantity in lines:
        key = product_key(product)
        if key is None:
            return f"line {line_no} ($.lines[{index}].product): {describe_product(product)}"
        sums[key] = sums.get(key, Decimal(0)) + quantity
    return sums


def odoo_delivery(
    document: DocumentRecord,
    op: OdooOp,
    *,
    key: str,
    flow: str,
    max_attempts: int,
    correlation_key: str | None = None,
) -> NewDelivery:
    """The ``odoo`` outbox row carrying ``op`` for ``document``."""
    return NewDelivery(
        idempotency_key=key,
        destination="odoo",
        partner=document.partner,
        flow=flow,
        payload=encode_op(op),
        correlation_key=correlation_key or document.correlation_key,
        max_attempts=max_attempts,
    )


def joined(texts: Sequence[str | None]) -> str | None:
    """Distinct non-empty texts, in order, joined by ``", "`` (None when there are none)."""
    seen = list(dict.fromkeys(t for t in texts if t))
    return ", ".join(seen) or None
