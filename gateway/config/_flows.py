"""The flows' settings: who we are in envelopes, where pickings go, stock feeds, webhooks.

::

    [identity]                       # our side of every interchange we start
    edifact_id = "4012345000009"     # UNB sender (qualifier 14: a GLN)
    edifact_qualifier = "14"
    x12_id = "CROSSDOCK"             # ISA06 / GS02
    x12_qualifier = "ZZ"

    [[routing]]                      # which 3PL ships a picking of an Odoo warehouse
    warehouse = "WH"                 # stock.warehouse code
    partner = "3pl-east"             # every line...
    [[routing]]
    warehouse = "WH"
    partner = "3pl-west"
    skus = ["GAD-002"]               # ...but these SKUs: a split across two 3PLs

    [webhooks]                       # the receiver partners with a webhook channel POST to
    bind = "127.0.0.1:8081"
    max_body = 1048576

A partner's own keys for the flows (``outbound``, ``warehouse``, ``stock_feed``) are in
:mod:`gateway.config._partner`. Rules are tried in order and the most specific wins: a rule
with ``skus`` that names the line's SKU before a rule without ``skus``.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from gateway.config._address import parse_bind
from gateway.config._types import NonEmptyStr, Seconds, Slug, Table

__all__ = [
    "DEFAULT_WEBHOOK_BIND",
    "Identity",
    "RoutingRule",
    "StockFeed",
    "WarehouseCode",
    "WebhookSettings",
]

DEFAULT_WEBHOOK_BIND = "127.0.0.1:8081"

WarehouseCode = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=10,
        description="an Odoo warehouse short name (stock.warehouse code) such as 'WH'",
    ),
]
Sku = Annotated[str, Meta(min_length=1, description="a SKU (Odoo's internal reference)")]


class Identity(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[identity]``: our ids in the envelopes of interchanges we start (acks answer with
    the id the partner addressed). Needed as soon as a partner receives EDIFACT or X12."""

    edifact_id: NonEmptyStr | None = None
    edifact_qualifier: NonEmptyStr | None = None
    x12_id: Annotated[str, Meta(min_length=1, max_length=15)] | None = None
    x12_qualifier: Annotated[str, Meta(min_length=2, max_length=2)] = "ZZ"


class RoutingRule(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[[routing]]``: pickings of Odoo warehouse ``warehouse`` go to 3PL ``partner``; with
    ``skus``, only lines of those SKUs (the rest of the picking follows the other rules)."""

    warehouse: WarehouseCode
    partner: Slug
    skus: tuple[Sku, ...] = ()


class StockFeed(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A channel's stock feed (``[partners.stock_feed]``): what the 3PLs report reaches it.

    Lines of ``critical_skus`` go out at once; the rest wait for the next batch, every
    ``batch_interval`` seconds, the latest report per SKU winning. ``warehouses`` limits the
    feed to those Odoo warehouses (empty: all).
    """

    critical_skus: tuple[Sku, ...] = ()
    batch_interval: Seconds = 900.0
    warehouses: tuple[WarehouseCode, ...] = ()


class WebhookSettings(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[webhooks]``: the HTTP receiver for partners with a ``webhook`` channel (loopback
    unless told otherwise; put it behind the TLS proxy that faces partners)."""

    bind: NonEmptyStr = DEFAULT_WEBHOOK_BIND
    max_body: Annotated[int, Meta(ge=1, description="a number of bytes")] = 1024 * 1024

    @property
    def host(self) -> str:
        return parse_bind(self.bind)[0]

    @property
    def port(self) -> int:
        return parse_bind(self.bind)[1]
