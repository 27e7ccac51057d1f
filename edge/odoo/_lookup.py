"""Records named by a business code rather than an ID, resolved in Odoo at delivery time.

A partner's order names its products by GTIN or by our SKU and never knows Odoo's ids, and
the customer is whoever the partner is. So a ``create_sale_order`` payload may name::

    {"partner": {"ref": "acme-retail"},                   # res.partner.ref
     "lines": [{"product": {"barcode": "4006381333931"}},  # product.product.barcode
               {"product": {"default_code": "WID-001"},    # product.product.default_code
                "uom": {"name": "kg"}}]}                   # uom.uom.name

Why at delivery time and not when the order is routed: the lookup then runs in the same
attempt as the ``load`` that creates the order, after the order's external ID was looked
up, so a redelivery of an order Odoo already has never looks anything up (an archived
product cannot turn a completed order into a rejection) and a product created in Odoo after
a rejection is found when the dead letter is replayed.

A code Odoo does not know, or knows twice, is a business rejection
(:class:`contracts.errors.DeliveryRejected`, ``crossdock.UnknownProduct`` /
``crossdock.UnknownCustomer`` / ``crossdock.UnknownUom`` / ``crossdock.AmbiguousCode``)
naming the code and the line (``line``: its 1-based position in the order, in the error's
fields): an operator must create or fix the record, retrying would not help. Lookups are
batched: at most four ``search_read`` calls for a whole batch of orders, none for codes a
:class:`~._codecache.CodeCache` resolved recently (see there for what a stale entry does).

A unit of measure is named by its ``uom.uom`` name (``"kg"``, ``"Dozens"``): what a person
sees in Odoo and writes in a partner's ``mapping.units``. Names are per database and may
be translated; the lookup uses the API user's language, as Odoo's own import does.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from msgspec import Meta

from contracts.errors import DeliveryRejected

from ._client import OdooClient
from ._codecache import CodeCache

if TYPE_CHECKING:
    from ._ops import CreateSaleOrder

__all__ = [
    "AMBIGUOUS_CODE",
    "UNKNOWN_CUSTOMER",
    "UNKNOWN_PRODUCT",
    "UNKNOWN_UOM",
    "CodeIndex",
    "CustomerCode",
    "ProductCode",
    "UomName",
    "find_codes",
    "gtin_forms",
    "order_codes",
    "resolve_orders",
]

UNKNOWN_PRODUCT = "crossdock.UnknownProduct"
UNKNOWN_CUSTOMER = "crossdock.UnknownCustomer"
UNKNOWN_UOM = "crossdock.UnknownUom"
AMBIGUOUS_CODE = "crossdock.AmbiguousCode"

Code = Annotated[str, Meta(min_length=1, max_length=64, description="a non-empty code")]


class ProductCode(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """A product by ``barcode`` (a GTIN) and/or ``default_code`` (our SKU).

    With both, the barcode is tried first: it is unique in Odoo, an internal reference need
    not be. The SKU is the fallback for products that carry no barcode.
    """

    barcode: Code | None = None
    default_code: Code | None = None

    def __post_init__(self) -> None:
        if self.barcode is None and self.default_code is None:
            raise ValueError("a product code needs a barcode or a default_code")

    def describe(self) -> str:
        named = [f"GTIN {self.barcode}"] if self.barcode else []
        named += [f"SKU {self.default_code}"] if self.default_code else []
        return " / ".join(named)


class CustomerCode(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A customer by its internal reference (``res.partner.ref``), a commercial entity."""

    ref: Code


class UomName(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A unit of measure by its ``uom.uom`` name (``"kg"``, ``"Dozens"``, ``"Case of 12"``)."""

    name: Code


def gtin_forms(gtin: str) -> list[str]:
    """The ways Odoo may hold one GTIN: as sent, and zero-padded to 8, 12, 13 or 14 digits.

    A GTIN-13 sent as its GTIN-14 form (``0`` + 13 digits) is the same article; barcodes in
    Odoo are usually stored without the padding.
    """
    bare = gtin.lstrip("0") or "0"
    forms = [gtin] + [bare.zfill(n) for n in (8, 12, 13, 14) if len(bare) <= n]
    return list(dict.fromkeys(forms))


class CodeIndex:
    """What one batch of lookups found: code -> database ids (several: ambiguous)."""

    def __init__(self) -> None:
        self.barcodes: dict[str, list[int]] = {}
        self.default_codes: dict[str, list[int]] = {}
        self.customers: dict[str, list[int]] = {}
        self.uoms: dict[str, list[int]] = {}
        self.known: dict[Hashable, int] = {}
        """Codes resolved before (a cache's entries): used as they are."""
        self.found: dict[Hashable, int] = {}
        """Codes this index resolved to exactly one record (what a cache may keep)."""

    def product(self, code: ProductCode, where: str) -> int:
        """The product's id, or :class:`DeliveryRejected` naming the code and ``where``."""
        if code in self.known:
            return self.known[code]
        self.found[code] = found = self._product(code, where)
        return found

    def _product(self, code: ProductCode, where: str) -> int:
        if code.barcode is not None:
            ids = sorted({i for f in gtin_forms(code.barcode) for i in self.barcodes.get(f, [])})
            if len(ids) == 1:
                return ids[0]
            if ids:
                raise _ambiguous(f"GTIN {code.barcode}", "product.product", ids, where)
        if code.default_code is not None:
            ids = self.default_codes.get(code.default_code, [])
            if len(ids) == 1:
                return ids[0]
            if ids:
                raise _ambiguous(f"SKU {code.default_code}", "product.product", ids, where)
        raise DeliveryRejected(
            f"{where}: Odoo has no product with {code.describe()}",
            error_name=UNKNOWN_PRODUCT,
            model="product.product",
            barcode=code.barcode,
            default_code=code.default_code,
        )

    def uom(self, code: UomName, where: str) -> int:
        """The unit's id, or :class:`DeliveryRejected` naming it and ``where``."""
        if code in self.known:
            return self.known[code]
        ids = self.uoms.get(code.name, [])
        if len(ids) == 1:
            self.found[code] = ids[0]
            return ids[0]
        if ids:
            raise _ambiguous(f"unit of measure {code.name!r}", "uom.uom", ids, where)
        raise DeliveryRejected(
            f"{where}: Odoo has no unit of measure named {code.name!r} (uom.uom); fix the "
            "partner's mapping.units or create the unit in Odoo",
            error_name=UNKNOWN_UOM,
            model="uom.uom",
            uom=code.name,
        )

    def customer(self, code: CustomerCode) -> int:
        if code in self.known:
            return self.known[code]
        ids = self.customers.get(code.ref, [])
        if len(ids) == 1:
            self.found[code] = ids[0]
            return ids[0]
        if ids:
            raise _ambiguous(f"customer reference {code.ref!r}", "res.partner", ids, "customer")
        raise DeliveryRejected(
            f"Odoo has no customer with reference (res.partner.ref) {code.ref!r}",
            error_name=UNKNOWN_CUSTOMER,
            model="res.partner",
            ref=code.ref,
        )


def _ambiguous(named: str, model: str, ids: Sequence[int], where: str) -> DeliveryRejected:
    return DeliveryRejected(
        f"{where}: {named} names {len(ids)} {model} records ({', '.join(map(str, ids))})",
        error_name=AMBIGUOUS_CODE,
        model=model,
    )


async def find_codes(
    client: OdooClient,
    products: Iterable[ProductCode],
    customers: Iterable[CustomerCode],
    uoms: Iterable[UomName] = (),
    *,
    index: CodeIndex | None = None,
) -> CodeIndex:
    """Look every code up (at most four calls) into ``index`` (or a new one); transient
    failures propagate."""
    index = CodeIndex() if index is None else index
    product_list = list(products)
    barcodes = sorted({f for p in product_list if p.barcode for f in gtin_forms(p.barcode)})
    codes = sorted({p.default_code for p in product_list if p.default_code})
    refs = sorted({c.ref for c in customers})
    names = sorted({u.name for u in uoms})
    if barcodes:
        await _fill(client, "product.product", "barcode", barcodes, index.barcodes)
    if codes:
        await _fill(client, "product.product", "default_code", codes, index.default_codes)
    if refs:
        # Contacts (delivery addresses, people) may repeat their company's ref: only the
        # commercial entity, the partner without a parent, is the customer.
        top = [["parent_id", "=", False]]
        await _fill(client, "res.partner", "ref", refs, index.customers, top)
    if names:
        await _fill(client, "uom.uom", "name", names, index.uoms)
    return index


async def _fill(
    client: OdooClient,
    model: str,
    field: str,
    values: Sequence[str],
    into: dict[str, list[int]],
    extra: list[list[Any]] | None = None,
) -> None:
    rows = await client.call(
        model,
        "search_read",
        kwargs={"domain": [[field, "in", list(values)], *(extra or [])], "fields": [field]},
    )
    for row in rows or []:
        value = row.get(field)
        if isinstance(value, str) and value:
            into.setdefault(value, []).append(int(row["id"]))


def order_codes(op: CreateSaleOrder) -> list[ProductCode | CustomerCode | UomName]:
    """The codes ``op`` names records by (its customer, its lines' products and units)."""
    codes: list[ProductCode | CustomerCode | UomName] = []
    if isinstance(op.partner, CustomerCode):
        codes.append(op.partner)
    for line in op.lines:
        if isinstance(line.product, ProductCode):
            codes.append(line.product)
        if isinstance(line.uom, UomName):
            codes.append(line.uom)
    return codes


async def resolve_orders(
    client: OdooClient, ops: Sequence[CreateSaleOrder], cache: CodeCache | None = None
) -> list[CreateSaleOrder | DeliveryRejected]:
    """Each order with its codes replaced by database ids, or why it cannot be resolved.

    Orders naming everything by ID come back unchanged and cost no call; so do codes
    ``cache`` holds. Codes resolved to one record are stored in ``cache``.
    """
    coded = [op for op in ops if op.has_codes]
    if not coded:
        return list(ops)
    index = CodeIndex()
    wanted = list(dict.fromkeys(code for op in coded for code in order_codes(op)))
    if cache is not None:
        for code in wanted:
            cached = cache.get(code)
            if cached is not None:
                index.known[code] = cached
    missing = [code for code in wanted if code not in index.known]
    if missing:
        await find_codes(
            client,
            (c for c in missing if isinstance(c, ProductCode)),
            (c for c in missing if isinstance(c, CustomerCode)),
            (c for c in missing if isinstance(c, UomName)),
            index=index,
        )
    resolved = [_resolved(op, index) if op.has_codes else op for op in ops]
    if cache is not None:
        for key, record_id in index.found.items():
            cache.put(key, record_id)
    return resolved


def _resolved(op: CreateSaleOrder, index: CodeIndex) -> CreateSaleOrder | DeliveryRejected:
    try:
        partner = index.customer(op.partner) if isinstance(op.partner, CustomerCode) else op.partner
        lines = []
        for n, line in enumerate(op.lines, start=1):
            try:
                product = line.product
                if isinstance(product, ProductCode):
                    product = index.product(product, f"line {n}")
                uom = line.uom
                if isinstance(uom, UomName):
                    uom = index.uom(uom, f"line {n}")
            except DeliveryRejected as exc:
                exc.fields["line"] = n  # which line: a rejection acknowledgement names it
                raise
            lines.append(msgspec.structs.replace(line, product=product, uom=uom))
    except DeliveryRejected as exc:
        exc.fields["key"] = op.key
        return exc
    return msgspec.structs.replace(op, partner=partner, lines=tuple(lines))
