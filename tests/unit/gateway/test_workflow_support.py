"""Support for the 3PL workflow unit tests: a store on an in-memory database, a config with
two 3PLs and two channels, and stored documents. No tests here.

:class:`MemoryStore` answers what :class:`gateway.workflows.DocumentWorkflow` asks of a store
(``transact``, ``read``, ``list_documents``) by running the function the way the writer does
(``commit_batch``), synchronously: the workflows' decisions and their transactions are what
is tested, the writer has its own tests.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, cast

import msgspec

from contracts import (
    Document,
    FulfillmentLine,
    FulfillmentRequest,
    Party,
    PartyRole,
    ProductRef,
    Quantity,
    ShipmentConfirmation,
    ShipmentLine,
)
from gateway.config import Config, load_config
from gateway.intake import OutboundFile
from gateway.store import (
    DeliveryRecord,
    DocumentRecord,
    DocumentState,
    NewDocument,
    Store,
    Tx,
)
from gateway.store._migrations import apply_migrations, load_migrations
from gateway.store._writer import commit_batch
from tests.support import write_gateway_config

T = TypeVar("T")

EAST, WEST, SHOP, MARKET = "east-3pl", "west-3pl", "shop", "market"
WIDGET_GTIN, WIDGET = "4006381333931", "WID-001"
GADGET = "GAD-002"

PARTNERS = f"""
[identity]
x12_id = "CROSSDOCK"

[[partners]]
id = "{EAST}"
role = "3pl"
formats = ["x12"]
channels = [{{ type = "sftp-drop" }}]
identifiers.x12 = [{{ qualifier = "ZZ", id = "EAST3PL" }}]
warehouse = "WH"
mapping.units = {{ PCS = "EA" }}

[[partners]]
id = "{WEST}"
role = "3pl"
formats = ["x12"]
channels = [{{ type = "sftp-drop" }}]
identifiers.x12 = [{{ qualifier = "ZZ", id = "WEST3PL" }}]

[[partners]]
id = "{SHOP}"
role = "channel"
formats = ["csv"]
channels = [{{ type = "sftp-drop" }}]
outbound = {{ inventory_report = "layout:stock" }}

[partners.stock_feed]
critical_skus = ["{WIDGET}"]
batch_interval = 60

[[partners.layouts]]
name = "stock"
format = "csv"
document = "inventory_report"
direction = "outbound"
line_ending = "lf"
columns = [
    {{ name = "Report", target = "report_id" }},
    {{ name = "SKU", target = "lines[].product.sku" }},
    {{ name = "GTIN", target = "lines[].product.gtin" }},
    {{ name = "Warehouse", target = "lines[].location" }},
    {{ name = "OnHand", target = "lines[].on_hand" }},
    {{ name = "Available", target = "lines[].available" }},
]

[[partners]]
id = "{MARKET}"
role = "marketplace"
formats = ["csv"]
channels = [{{ type = "sftp-drop" }}]
outbound = {{ inventory_report = "layout:stock" }}

[partners.stock_feed]
batch_interval = 150
warehouses = ["WH"]

[[partners.layouts]]
name = "stock"
format = "csv"
document = "inventory_report"
direction = "outbound"
line_ending = "lf"
columns = [
    {{ name = "Report", target = "report_id" }},
    {{ name = "SKU", target = "lines[].product.sku" }},
    {{ name = "GTIN", target = "lines[].product.gtin" }},
    {{ name = "Warehouse", target = "lines[].location" }},
    {{ name = "OnHand", target = "lines[].on_hand" }},
    {{ name = "Available", target = "lines[].available" }},
]
"""


def make_config(tmp_path: Path, partners: str = PARTNERS) -> Config:
    return load_config(write_gateway_config(tmp_path, partners=partners).config)


class MemoryStore:
    """The store operations a workflow uses, on an in-memory database (see the module docs)."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:", isolation_level=None)
        self.db.execute("PRAGMA foreign_keys = ON")
        apply_migrations(self.db, load_migrations(), 0.0)
        self.now = 1_710_000_000.0

    def run(self, fn: Callable[[Tx], T]) -> T:
        (result,) = commit_batch(self.db, [fn], self.now, 3)
        return cast(T, result.unwrap())

    async def transact(self, fn: Callable[[Tx], T]) -> T:
        return self.run(fn)

    async def read(self, fn: Callable[[Tx], T]) -> T:
        return self.run(fn)

    async def list_documents(
        self, state: DocumentState, *, flow: str | None = None, after_id: int = 0, limit: int = 100
    ) -> list[DocumentRecord]:
        return self.run(
            lambda tx: tx.list_documents(state, flow=flow, after_id=after_id, limit=limit)
        )

    def as_store(self) -> Store:
        return cast(Store, self)

    # --- what tests put in and look at ---------------------------------------------------

    def store_document(
        self,
        partner: str,
        document: Document,
        *,
        key: str,
        flow: str,
        correlation_key: str | None = None,
    ) -> int:
        doc_type = str(type(document).__struct_config__.tag)
        new = NewDocument(
            idempotency_key=key,
            partner=partner,
            flow=flow,
            doc_type=doc_type,
            body=msgspec.json.encode(document),
            config_version="test",
            correlation_key=correlation_key,
        )
        return self.run(lambda tx: tx.insert_document(new)).row_id

    def document(self, document_id: int) -> DocumentRecord:
        found = self.run(lambda tx: tx.get_document(document_id))
        assert found is not None
        return found

    def deliveries(self, destination: str | None = None) -> list[DeliveryRecord]:
        ids = [r[0] for r in self.db.execute("SELECT id FROM outbox ORDER BY id")]
        rows = [self.run(lambda tx, i=i: tx.get_delivery(i)) for i in ids]
        return [r for r in rows if r is not None and destination in (None, r.destination)]

    def cursor(self, name: str) -> str | None:
        return self.run(lambda tx: tx.get_cursor(name))


def payload(delivery: DeliveryRecord) -> dict[str, Any]:
    """An ``odoo`` row's op as plain JSON (what the Odoo delivery actor will decode)."""
    decoded: dict[str, Any] = msgspec.json.decode(delivery.payload)
    return decoded


def csv_rows(delivery: DeliveryRecord) -> list[list[str]]:
    """The rows of the CSV file a ``partner:<id>`` row carries, header first."""
    file = msgspec.json.decode(delivery.payload, type=OutboundFile)
    return [row.split(",") for row in file.data.decode().splitlines()]


def request(number: str, picking: str, part: int, parts: int, *lines: tuple[str, str, str]) -> (
    FulfillmentRequest
):  # fmt: skip
    """A fulfillment request as the fulfillment flow stores it; lines are (sku, qty, unit)."""
    return FulfillmentRequest(
        request_number=number,
        order_number="SO001",
        warehouse="WH",
        ship_to=Party(role=PartyRole.SHIP_TO, name="Acme"),
        lines=[
            FulfillmentLine(
                line_no=i + 1,
                product=ProductRef(sku=sku),
                quantity=Quantity(Decimal(qty), unit),
            )
            for i, (sku, qty, unit) in enumerate(lines)
        ],
        references={"picking": picking, "part": str(part), "parts": str(parts)},
    )


def shipment(
    number: str,
    *lines: ShipmentLine,
    shipment_id: str = "SH1",
    tracking: str | None = None,
    packages: tuple[str, ...] = (),
    partial: bool = False,
) -> ShipmentConfirmation:
    from contracts import Package

    return ShipmentConfirmation(
        shipment_id=shipment_id,
        order_number=number,
        ship_date=date(2024, 3, 16),
        lines=list(lines),
        tracking_number=tracking,
        packages=[Package(tracking_number=t) for t in packages],
        partial=partial,
    )


def shipped(n: int, qty: str, unit: str = "EA", **product: str) -> ShipmentLine:
    return ShipmentLine(
        line_no=n, product=ProductRef(**product), shipped=Quantity(Decimal(qty), unit)
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
