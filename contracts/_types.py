"""Constrained scalar types and the small value objects every document shares.

Constraints live in ``Annotated[..., Meta(...)]`` aliases so the Struct is the schema (and the
JSON Schema export shows them). Decimals are carried as ``decimal.Decimal`` and encoded as JSON
strings, so no amount or quantity ever goes through a binary float.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated

import msgspec
from msgspec import Meta

__all__ = [
    "Address",
    "Code",
    "CountryCode",
    "CurrencyCode",
    "Gtin",
    "Money",
    "NonEmptyStr",
    "NonNegativeDecimal",
    "PartnerId",
    "Party",
    "PartyId",
    "PartyRole",
    "ProductRef",
    "Quantity",
    "UnitCode",
    "require_finite",
    "require_non_negative",
]

NonEmptyStr = Annotated[str, Meta(min_length=1, max_length=512)]
Code = Annotated[str, Meta(min_length=1, max_length=35, pattern=r"^\S(.*\S)?$")]
PartnerId = Annotated[
    str, Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$", title="partner id")
]
Gtin = Annotated[str, Meta(pattern=r"^(\d{8}|\d{12}|\d{13}|\d{14})$", title="GTIN-8/12/13/14")]
CountryCode = Annotated[str, Meta(pattern=r"^[A-Z]{2}$", title="ISO 3166-1 alpha-2")]
CurrencyCode = Annotated[str, Meta(pattern=r"^[A-Z]{3}$", title="ISO 4217")]
UnitCode = Annotated[
    str, Meta(min_length=1, max_length=8, title="unit of measure (UN/ECE Rec. 20 or X12 355)")
]
# msgspec cannot put numeric bounds on Decimal: the Structs using this alias check the sign in
# ``__post_init__`` (a ValueError there becomes a ValidationError with the field's path).
NonNegativeDecimal = Annotated[Decimal, Meta(description="a decimal >= 0, as a string")]


def require_finite(**values: Decimal | None) -> None:
    """Raise ValueError naming the first NaN or infinity (None means absent and passes).

    JSON carries decimals as strings, and ``Decimal`` reads ``"NaN"`` and ``"Infinity"``;
    neither is a quantity or an amount Odoo could book.
    """
    for name, value in values.items():
        if value is not None and not value.is_finite():
            raise ValueError(f"{name} must be a finite number, got {value}")


def require_non_negative(**values: Decimal | None) -> None:
    """Raise ValueError naming the first value that is negative or not a finite number
    (None means absent and passes)."""
    require_finite(**values)
    for name, value in values.items():
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")


class PartyRole(enum.StrEnum):
    """The part a party plays in a document (EDIFACT NAD 3035 / X12 N101, normalised)."""

    BUYER = "buyer"
    SUPPLIER = "supplier"
    SHIP_TO = "ship_to"
    BILL_TO = "bill_to"
    SHIP_FROM = "ship_from"
    WAREHOUSE = "warehouse"
    CARRIER = "carrier"
    SELLER = "seller"
    INVOICEE = "invoicee"


class PartyId(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One identifier of a party in a named scheme: ``gln``, ``duns``, ``partner`` (the
    partner's own account number for it), ``odoo_ref`` (``res.partner.ref``), ..."""

    scheme: Code
    value: NonEmptyStr


class Address(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    street: list[NonEmptyStr] = []
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: CountryCode | None = None


class Party(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    role: PartyRole
    ids: list[PartyId] = []
    name: str | None = None
    address: Address | None = None
    email: str | None = None
    phone: str | None = None

    def id_in(self, scheme: str) -> str | None:
        """The party's identifier in ``scheme``, or None."""
        return next((pid.value for pid in self.ids if pid.scheme == scheme), None)


class ProductRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How a line names its product; at least one identifier must be present.

    ``sku`` is our (Odoo's ``default_code``) article number once resolved; the others are what
    the partner sent. Which identifier carries the SKU is a per-partner mapping choice.
    """

    sku: Code | None = None
    gtin: Gtin | None = None
    supplier_item: Code | None = None
    buyer_item: Code | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if not (self.sku or self.gtin or self.supplier_item or self.buyer_item):
            raise ValueError("a product reference needs a sku, gtin, supplier_item or buyer_item")


class Quantity(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    value: NonNegativeDecimal
    unit: UnitCode = "EA"

    def __post_init__(self) -> None:
        require_non_negative(value=self.value)


class Money(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    amount: Decimal
    currency: CurrencyCode

    def __post_init__(self) -> None:
        require_finite(amount=self.amount)
