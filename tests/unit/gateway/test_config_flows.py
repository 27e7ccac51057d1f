"""The flows' configuration: routing, outbound formats, our identity, stock feeds, webhooks.

Each mistake is refused with the key to fix; a good configuration renders a partner's
documents (``gateway.outbound_docs``) addressed and numbered as the partner expects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from contracts import FulfillmentRequest
from contracts._types import Address, Party, PartyRole, ProductRef, Quantity
from contracts.documents import FulfillmentLine
from contracts.errors import ConfigError
from edge.edi import x12
from gateway.config import Config, InvalidConfig, load_config
from gateway.intake import decode_outbound_file
from gateway.outbound_docs import partner_delivery
from gateway.store import Store, open_store
from tests.unit.gateway.test_config_support import BASE, replace, write_config

IDENTITY = """
[identity]
x12_id = "CROSSDOCK"
edifact_id = "4099999000005"
edifact_qualifier = "14"
"""
NW_IDS = 'identifiers = { x12 = [{ qualifier = "ZZ", id = "NW3PL" }] }'
NW_OUTBOUND = (
    NW_IDS,
    NW_IDS + '\nwarehouse = "WH"\noutbound = { fulfillment_request = "x12:940:004010" }',
)
ROUTING = '\n[[routing]]\nwarehouse = "WH"\npartner = "nw-3pl"\n'


def good(tmp_path: Path) -> Config:
    text = replace(BASE, *NW_OUTBOUND) + IDENTITY + ROUTING
    return load_config(write_config(tmp_path, text), environ={})


def problems_of(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    with pytest.raises(InvalidConfig) as caught:
        load_config(write_config(tmp_path, text), environ={})
    return [(p.path, p.message) for p in caught.value.problems]


def test_a_complete_flow_configuration_loads(tmp_path: Path) -> None:
    config = good(tmp_path)
    assert config.routing[0].partner == "nw-3pl"
    assert config.routing[0].skus == ()
    nw = config.partner("nw-3pl")
    assert nw.warehouse == "WH"
    assert nw.outbound == {"fulfillment_request": "x12:940:004010"}
    assert config.identity.x12_id == "CROSSDOCK"
    assert config.odoo.poll_interval == 30.0
    assert config.webhooks.port == 8081


@pytest.mark.parametrize(
    ("mistake", "old", "new", "path", "words"),
    [
        (
            "routing to a partner that does not exist",
            'partner = "nw-3pl"',
            'partner = "nw-4pl"',
            "$.routing[0].partner",
            ["no partner 'nw-4pl'"],
        ),
        (
            "a target carrying another document type",
            '"x12:940:004010"',
            '"x12:855:004010"',
            "$.partners[1].outbound.fulfillment_request",
            ["order_acknowledgement", "not a fulfillment_request"],
        ),
        (
            "a target that does not exist",
            '"x12:940:004010"',
            '"x12:941:004010"',
            "$.partners[1].outbound.fulfillment_request",
            ["no outbound mapping", "x12:940:004010"],
        ),
        (
            "a layout the partner does not have",
            '"x12:940:004010"',
            '"layout:picks"',
            "$.partners[1].outbound.fulfillment_request",
            ["no layout 'picks'"],
        ),
        (
            "X12 out without our own id",
            'x12_id = "CROSSDOCK"',
            "",
            "$.partners[1].outbound.fulfillment_request",
            ["[identity] x12_id"],
        ),
        (
            "an unknown document type",
            "outbound = { fulfillment_request",
            "outbound = { picking_list",
            "$.partners[1].outbound",
            ["picking_list"],
        ),
    ],
)
def test_flow_mistakes_name_the_key(
    tmp_path: Path, mistake: str, old: str, new: str, path: str, words: list[str]
) -> None:
    text = replace(replace(BASE, *NW_OUTBOUND) + IDENTITY + ROUTING, old, new)
    found = problems_of(tmp_path, text)
    assert [p for p, _ in found] == [path], (mistake, found)
    for word in words:
        assert word in found[0][1], (mistake, found)


def test_routing_to_a_partner_that_takes_no_fulfillment_requests(tmp_path: Path) -> None:
    found = problems_of(tmp_path, BASE + IDENTITY + ROUTING)
    assert found == [
        (
            "$.routing[0].partner",
            "partner 'nw-3pl' has no outbound.fulfillment_request: say in which format it "
            "receives fulfillment requests",
        )
    ]


def test_a_stock_feed_needs_an_inventory_format(tmp_path: Path) -> None:
    text = replace(
        BASE,
        'identifiers = { edifact = [{ id = "4012345000009", qualifier = "14" }] }',
        'identifiers = { edifact = [{ id = "4012345000009", qualifier = "14" }] }\n'
        'stock_feed = { critical_skus = ["WID-001"] }',
    )
    found = problems_of(tmp_path, text)
    assert [p for p, _ in found] == ["$.partners[0].stock_feed"]
    assert "outbound.inventory_report" in found[0][1]


def test_a_webhook_channel_needs_its_secret(tmp_path: Path) -> None:
    text = replace(BASE, 'channels = [{ type = "sftp-drop" }]', 'channels = [{ type = "webhook" }]')
    found = problems_of(tmp_path, text)
    assert [p for p, _ in found] == ["$.partners[0].channels[0].secret"]


def test_a_bad_webhook_bind_is_refused(tmp_path: Path) -> None:
    found = problems_of(tmp_path, BASE + '\n[webhooks]\nbind = "localhost"\n')
    assert [p for p, _ in found] == ["$.webhooks.bind"]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with open_store(str(tmp_path / "store.db")) as store:
        yield store


def _request() -> FulfillmentRequest:
    return FulfillmentRequest(
        request_number="WH/OUT/00003",
        order_number="PO-1",
        warehouse="WH",
        ship_to=Party(
            role=PartyRole.SHIP_TO,
            name="Acme Retail Warehouse",
            address=Address(street=["1 Dock Road"], city="Chicago", country="US"),
        ),
        lines=[
            FulfillmentLine(
                line_no=1, product=ProductRef(sku="WID-001"), quantity=Quantity(Decimal("3"))
            )
        ],
        requested_ship=date(2026, 11, 27),
    )


async def test_a_partner_delivery_is_addressed_from_us_and_numbered_on(
    tmp_path: Path, store: Store
) -> None:
    config = good(tmp_path)
    when = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)

    def make(tx: object, n: int) -> bytes:
        delivery = partner_delivery(
            tx,  # type: ignore[arg-type]
            config,
            "nw-3pl",
            _request(),
            key=f"nw-3pl:fulfillment:{n}",
            name="WH-OUT-00003",
            flow="fulfillment",
            when=when,
        )
        assert delivery.destination == "partner:nw-3pl"
        file = decode_outbound_file(delivery.payload)
        assert file.name == "WH-OUT-00003.x12"
        return file.data

    first = await store.transact(lambda tx: make(tx, 1))
    second = await store.transact(lambda tx: make(tx, 2))
    [one] = x12.parse(first, partner="nw-3pl", source="out")
    [two] = x12.parse(second, partner="nw-3pl", source="out")
    assert (one.sender.qualifier, one.sender.id.strip()) == ("ZZ", "CROSSDOCK")
    assert (one.receiver.qualifier, one.receiver.id.strip()) == ("ZZ", "NW3PL")
    assert int(two.control_number) == int(one.control_number) + 1
    [group] = one.groups
    [message] = group.sets
    assert message.id == "940"


async def test_a_partner_without_that_format_is_a_config_error(
    tmp_path: Path, store: Store
) -> None:
    config = good(tmp_path)
    with pytest.raises(ConfigError, match=r"acme.*outbound\.fulfillment_request"):
        await store.transact(
            lambda tx: partner_delivery(
                tx,
                config,
                "acme",
                _request(),
                key="k",
                name="n",
                flow="fulfillment",
                when=datetime(2026, 11, 27, tzinfo=UTC),
            )
        )
