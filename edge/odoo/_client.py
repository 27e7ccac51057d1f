"""Writes to Odoo that can be repeated: the receiving half of "exactly once".

The outbox delivers at least once; these methods make a second delivery change nothing.

- :meth:`OdooClient.create_once` looks the key's external ID up first: found, the record
  exists and is returned untouched (a person may have edited it since; a confirmed order
  refuses line changes). Not found, one ``load`` call creates the record, its lines and their
  external IDs in one Odoo transaction. If the answer is lost after Odoo committed, the retry
  finds the external ID and returns the same id; two records can never come of one key.
- Updates read the state first and act only when there is something left to do:
  :meth:`confirm_order` (``action_confirm`` only from draft/sent), :meth:`validate_picking`
  (quantities set, then ``button_validate``; a done picking is left alone),
  :meth:`set_tracking` and :meth:`apply_inventory` (absolute values, written only when they
  differ). A crash between two of their calls leaves a state the next attempt completes.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from contracts.errors import DeliveryRejected

from ._rows import SaleOrderDraft, load_table
from ._settings import OdooServer
from ._transport import OdooTransport, open_odoo_transport
from ._xid import XID_MODULE, external_id

__all__ = ["LOAD_REJECTED", "OdooClient", "PickingValidated", "open_odoo_client"]

LOAD_REJECTED = "odoo.load"
"""``error_name`` of a ``load`` whose rows Odoo refused: its messages carry no exception name."""
_EPSILON = 1e-6


def m2o_id(value: Any) -> int | None:
    """The id of a many2one as read: ``[7, "Name"]``, ``7`` or ``False``."""
    if isinstance(value, list | tuple) and value:
        value = value[0]
    return value if isinstance(value, int) and not isinstance(value, bool) and value else None


@dataclass(frozen=True)
class PickingValidated:
    picking_id: int
    changed: bool
    """False when the picking was already done: this delivery was a repeat."""
    backorder_ids: tuple[int, ...] = ()


class OdooClient:
    """Idempotent writes and plain calls over one :class:`OdooTransport`."""

    def __init__(self, transport: OdooTransport, *, module: str = XID_MODULE) -> None:
        self.transport = transport
        self.module = module

    def __repr__(self) -> str:
        return f"OdooClient({self.transport!r})"

    async def call(
        self,
        model: str,
        method: str,
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        *,
        ids: Sequence[int] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        return await self.transport.call(model, method, args, kwargs, ids=ids, context=context)

    async def read_one(self, model: str, record_id: int, fields: Sequence[str]) -> dict[str, Any]:
        rows = await self.call(model, "read", kwargs={"fields": list(fields)}, ids=[record_id])
        if not rows:
            raise DeliveryRejected(
                f"{model}({record_id}) does not exist",
                error_name="odoo.exceptions.MissingError",
                model=model,
                record_id=record_id,
            )
        row: dict[str, Any] = rows[0]
        return row

    async def find_external_id(self, xid: str) -> tuple[str, int] | None:
        """``(model, res_id)`` of an external ID, or ``None`` when Odoo does not know it."""
        module, _, name = xid.partition(".")
        rows = await self.call(
            "ir.model.data",
            "search_read",
            kwargs={
                "domain": [["module", "=", module], ["name", "=", name]],
                "fields": ["model", "res_id"],
                "limit": 1,
            },
        )
        if not rows:
            return None
        return str(rows[0]["model"]), int(rows[0]["res_id"])

    async def create_once(self, model: str, key: str, values: Mapping[str, Any]) -> int:
        """The id of the one ``model`` record made for idempotency key ``key``.

        ``values`` follow :func:`edge.odoo.load_table`: scalars, :class:`DbId` /
        :class:`ExternalId` for many2one fields, lists of mappings for one2many lines.
        """
        xid = external_id(key, self.module)
        found = await self._existing(model, key, xid)
        if found is not None:
            return found
        fields, rows = load_table(xid, values)
        answer = await self.call(model, "load", kwargs={"fields": fields, "data": rows})
        ids = answer.get("ids") if isinstance(answer, dict) else None
        messages = answer.get("messages", []) if isinstance(answer, dict) else []
        errors = [m for m in messages if isinstance(m, dict) and m.get("type") == "error"]
        if errors or not ids:
            text = "; ".join(str(m.get("message", "")) for m in errors) or "load created nothing"
            raise DeliveryRejected(
                text, error_name=LOAD_REJECTED, model=model, key=key, messages=errors
            )
        first = ids[0]
        if isinstance(first, int) and not isinstance(first, bool) and first > 0:
            return first
        # A load that reports no usable id still registered the external ID if it committed.
        again = await self._existing(model, key, xid)
        if again is None:
            raise DeliveryRejected(
                f"load answered {answer!r} and created no record",
                error_name=LOAD_REJECTED,
                model=model,
                key=key,
            )
        return again

    async def _existing(self, model: str, key: str, xid: str) -> int | None:
        found = await self.find_external_id(xid)
        if found is None:
            return None
        found_model, res_id = found
        if found_model != model:
            raise DeliveryRejected(
                f"external ID {xid} names a {found_model} record, not a {model}",
                error_name="crossdock.ExternalIdConflict",
                model=model,
                key=key,
            )
        return res_id

    async def create_sale_order(self, key: str, order: SaleOrderDraft) -> int:
        """Create ``order`` once for ``key`` (lines and all, in one transaction)."""
        return await self.create_once("sale.order", key, order.values())

    async def confirm_order(self, order_id: int) -> str:
        """Confirm a draft or sent order; a confirmed one is left alone. Returns its state."""
        state = (await self.read_one("sale.order", order_id, ["state"]))["state"]
        if state in ("draft", "sent"):
            await self.call("sale.order", "action_confirm", ids=[order_id])
            return "sale"
        if state in ("sale", "done"):
            return str(state)
        raise DeliveryRejected(
            f"sale.order({order_id}) is {state!r} and cannot be confirmed",
            error_name="crossdock.InvalidState",
            model="sale.order",
            record_id=order_id,
        )

    async def validate_picking(
        self,
        picking_id: int,
        quantities: Mapping[int, float] | None = None,
        *,
        backorder: bool = True,
    ) -> PickingValidated:
        """Set the done quantities (product id -> quantity) and validate the picking.

        ``None`` ships every move in full. Less than demanded leaves a backorder picking for
        the rest (``backorder=False`` cancels the rest instead). A done picking is left
        alone: the confirmation was a repeat.
        """
        picking = await self.read_one("stock.picking", picking_id, ["state", "move_ids"])
        if picking["state"] == "done":
            return PickingValidated(picking_id, False, await self._backorders(picking_id))
        if picking["state"] == "cancel":
            raise DeliveryRejected(
                f"stock.picking({picking_id}) is cancelled",
                error_name="crossdock.InvalidState",
                model="stock.picking",
                record_id=picking_id,
            )
        moves = await self.call(
            "stock.move",
            "read",
            kwargs={"fields": ["product_id", "product_uom_qty", "quantity", "state"]},
            ids=list(picking["move_ids"]),
        )
        for move_id, target in self._targets(picking_id, moves, quantities).items():
            await self.call(
                "stock.move", "write", kwargs={"vals": {"quantity": target}}, ids=[move_id]
            )
        context: dict[str, Any] = {"skip_backorder": True}
        if not backorder:
            context["picking_ids_not_to_backorder"] = [picking_id]
        outcome = await self.call(
            "stock.picking", "button_validate", ids=[picking_id], context=context
        )
        if isinstance(outcome, dict):
            raise DeliveryRejected(
                f"validating stock.picking({picking_id}) needs a person: Odoo opened "
                f"{outcome.get('res_model') or 'a wizard'}",
                error_name="crossdock.WizardRequired",
                model="stock.picking",
                record_id=picking_id,
            )
        return PickingValidated(picking_id, True, await self._backorders(picking_id))

    @staticmethod
    def _targets(
        picking_id: int, moves: Sequence[Mapping[str, Any]], quantities: Mapping[int, float] | None
    ) -> dict[int, float]:
        """Per move, the quantity to write when it differs; a product's total is spread over
        its moves in order, any excess on its last move."""
        open_moves = [m for m in moves if m.get("state") not in ("done", "cancel")]
        wanted = dict(quantities) if quantities is not None else None
        if wanted is not None:
            unknown = set(wanted) - {m2o_id(m["product_id"]) for m in open_moves}
            if unknown:
                raise DeliveryRejected(
                    f"products {sorted(unknown)} are not to be shipped in "
                    f"stock.picking({picking_id})",
                    error_name="crossdock.UnknownProduct",
                    model="stock.picking",
                    record_id=picking_id,
                )
        targets: dict[int, float] = {}
        for index, move in enumerate(open_moves):
            demand = float(move["product_uom_qty"])
            if wanted is None:
                target = demand
            else:
                product = m2o_id(move["product_id"])
                left = wanted.get(product, 0.0) if product is not None else 0.0
                later = any(m2o_id(m["product_id"]) == product for m in open_moves[index + 1 :])
                target = min(demand, left) if later else left
                if product is not None and product in wanted:
                    wanted[product] = left - target
            if abs(float(move.get("quantity") or 0.0) - target) > _EPSILON:
                targets[int(move["id"])] = target
        return targets

    async def _backorders(self, picking_id: int) -> tuple[int, ...]:
        ids = await self.call(
            "stock.picking", "search", kwargs={"domain": [["backorder_id", "=", picking_id]]}
        )
        return tuple(int(i) for i in ids)

    async def set_tracking(self, picking_id: int, tracking_ref: str) -> bool:
        """Set the carrier tracking reference; False when it already was that."""
        current = await self.read_one("stock.picking", picking_id, ["carrier_tracking_ref"])
        if (current.get("carrier_tracking_ref") or "") == tracking_ref:
            return False
        await self.call(
            "stock.picking",
            "write",
            kwargs={"vals": {"carrier_tracking_ref": tracking_ref}},
            ids=[picking_id],
        )
        return True

    async def apply_inventory(self, product_id: int, location_id: int, quantity: float) -> bool:
        """Make the on-hand quantity of a product in a location ``quantity``.

        Counted, not added: applying the same count twice leaves it as once. False when the
        stock already was that.
        """
        context = {"inventory_mode": True}
        quants = await self.call(
            "stock.quant",
            "search_read",
            kwargs={
                "domain": [["product_id", "=", product_id], ["location_id", "=", location_id]],
                "fields": ["quantity", "inventory_quantity"],
            },
        )
        on_hand = sum(float(q["quantity"]) for q in quants)
        if quants and abs(on_hand - quantity) <= _EPSILON:
            return False
        if quants:
            quant_id = int(quants[0]["id"])
            await self.call(
                "stock.quant",
                "write",
                kwargs={"vals": {"inventory_quantity": quantity}},
                ids=[quant_id],
                context=context,
            )
        else:
            vals = {
                "product_id": product_id,
                "location_id": location_id,
                "inventory_quantity": quantity,
            }
            created = await self.call(
                "stock.quant", "create", kwargs={"vals_list": [vals]}, context=context
            )
            quant_id = int(created[0] if isinstance(created, list) else created)
        await self.call("stock.quant", "action_apply_inventory", ids=[quant_id], context=context)
        return True


@asynccontextmanager
async def open_odoo_client(
    server: OdooServer,
    *,
    http_transport: httpx.AsyncBaseTransport | None = None,
    wall_clock: Callable[[], float] = time.time,
) -> AsyncIterator[OdooClient]:
    """An :class:`OdooClient` for ``server`` with its own connection pool, closed on exit."""
    async with open_odoo_transport(
        server, http_transport=http_transport, wall_clock=wall_clock
    ) as transport:
        yield OdooClient(transport)
