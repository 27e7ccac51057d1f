"""Transfers in the simulator: reservation, the picking's state, validation, backorders.

As Odoo 17-19 does it, simplified to one level of locations (no packages, lots or routes):

- reserving (``action_assign``, and on confirmation) takes what the source location has on
  hand less what other open moves already reserved there; a move's ``quantity`` is what it
  reserved, its state ``assigned`` (all of it), ``partially_available`` or ``confirmed``
  (nothing). Moves from a location that is not internal (a vendor's) reserve in full, since
  Odoo bypasses reservation there;
- a picking's state follows its moves as Odoo's ``_get_relevant_state_among_moves``:
  with the default shipping policy ``direct`` it is ``assigned`` (Ready) once any move has
  something reserved, ``confirmed`` (Waiting) when none has; with ``one`` it is ``assigned``
  only when every move is. So a delivery is Ready when the stock suffices and Waiting when
  there is none;
- ``button_validate`` marks the moves done with their ``quantity``. Less than demanded
  opens Odoo's backorder wizard (an action dict) unless the context says ``skip_backorder``;
  then a backorder picking takes the rest (reserved like any new transfer; a copy of the
  picking, as Odoo's ``_create_backorder`` makes it, so it carries the ``note`` too), or
  the rest is dropped for pickings listed in ``picking_ids_not_to_backorder``. Stock leaves
  the source location and reaches the destination when they are internal locations (so
  an inventory adjustment, a move from or to the virtual ``inventory`` location, changes
  only the warehouse's quant);
- ``action_confirm`` ("Mark as To Do") confirms and reserves a draft transfer, as one
  created by ``load`` is; a transfer past draft is left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._exceptions import UserError

if TYPE_CHECKING:
    from ._methods import Env
    from ._orm import Database

__all__ = ["STOCK_METHODS", "cancel_picking", "confirm_picking"]

Vals = dict[str, Any]
_OPEN = ("confirmed", "partially_available", "assigned", "waiting")
_RESERVING = ("partially_available", "assigned")


def _internal(db: Database, location_id: Any) -> bool:
    location = db.table("stock.location").get(location_id or 0)
    return location is not None and location["usage"] == "internal"


def _on_hand(db: Database, product_id: int, location_id: int) -> float:
    return sum(
        float(q["quantity"])
        for q in db.children("stock.quant", "product_id", product_id)
        if q["location_id"] == location_id
    )


def _reserved_elsewhere(db: Database, move: Vals) -> float:
    return sum(
        float(other["quantity"])
        for other in db.children("stock.move", "product_id", move["product_id"])
        if other["id"] != move["id"]
        and other["location_id"] == move["location_id"]
        and other["state"] in _RESERVING
    )


def _reserve(db: Database, move: Vals) -> None:
    demand = float(move["product_uom_qty"])
    if not _internal(db, move["location_id"]):
        reserved = demand
    else:
        free = _on_hand(db, move["product_id"], move["location_id"])
        free -= _reserved_elsewhere(db, move)
        reserved = max(float(move["quantity"]), min(demand, max(free, 0.0)))
    state = "assigned" if reserved >= demand else "partially_available" if reserved else "confirmed"
    db.write("stock.move", [move["id"]], {"quantity": reserved, "state": state})


def _relevant_state(moves: list[Vals], policy: str) -> str:
    """Odoo's ``_get_relevant_state_among_moves`` for the moves of one picking."""
    rank = {"assigned": 4, "waiting": 3, "partially_available": 2, "confirmed": 1}
    todo = sorted(
        (m for m in moves if m["state"] not in ("cancel", "done")),
        key=lambda m: (rank.get(m["state"], 0), m["product_uom_qty"]),
    )
    if not todo:
        return "assigned"
    least = todo[0]
    if policy == "one":
        return "confirmed" if least["state"] in ("confirmed", "partially_available") else "assigned"
    if least["state"] != "assigned" and any(m["state"] in _RESERVING for m in todo):
        return "partially_available"
    return str(least["state"])


def _update_state(db: Database, picking_id: int) -> None:
    picking = db.table("stock.picking")[picking_id]
    moves = db.children("stock.move", "picking_id", picking_id)
    if not moves:
        return
    if all(m["state"] == "cancel" for m in moves):
        state = "cancel"
    elif all(m["state"] in ("cancel", "done") for m in moves):
        state = "done"
    else:
        state = _relevant_state(moves, picking["move_type"] or "direct")
        state = "assigned" if state == "partially_available" else state
    if state != picking["state"]:
        db.write("stock.picking", [picking_id], {"state": state})


def confirm_picking(db: Database, picking_id: int) -> None:
    """Confirm a new transfer's moves and reserve what the source location has."""
    for move in db.children("stock.move", "picking_id", picking_id):
        if move["state"] == "draft":
            db.write("stock.move", [move["id"]], {"state": "confirmed"})
    _assign(db, [picking_id])


def _assign(db: Database, picking_ids: Iterable[int]) -> None:
    for picking_id in picking_ids:
        for move in db.children("stock.move", "picking_id", picking_id):
            if move["state"] in ("confirmed", "partially_available"):
                _reserve(db, db.table("stock.move")[move["id"]])
        _update_state(db, picking_id)


def picking_confirm(env: Env, ids: list[int]) -> bool:
    """Odoo's "Mark as To Do": a draft transfer's moves are confirmed and reserved; a
    transfer past draft is left alone (Odoo confirms only the draft moves)."""
    for picking_id in env.db.ensure("stock.picking", ids):
        if env.db.table("stock.picking")[picking_id]["state"] == "draft":
            confirm_picking(env.db, picking_id)
    return True


def action_assign(env: Env, ids: list[int]) -> bool:
    """Odoo's "Check Availability": reserve what came in since the transfer was confirmed."""
    pickings = [env.db.table("stock.picking")[i] for i in env.db.ensure("stock.picking", ids)]
    if any(p["state"] in ("draft", "done", "cancel") for p in pickings):
        raise UserError("Nothing to check the availability for.")
    _assign(env.db, ids)
    return True


def cancel_picking(db: Database, picking_id: int) -> None:
    for move in db.children("stock.move", "picking_id", picking_id):
        if move["state"] != "done":
            db.write("stock.move", [move["id"]], {"state": "cancel", "quantity": 0.0})
    db.write("stock.picking", [picking_id], {"state": "cancel"})


def picking_cancel(env: Env, ids: list[int]) -> bool:
    for picking_id in env.db.ensure("stock.picking", ids):
        cancel_picking(env.db, picking_id)
    return True


def button_validate(env: Env, ids: list[int]) -> Any:
    db = env.db
    pickings = [db.table("stock.picking")[i] for i in db.ensure("stock.picking", ids)]
    partial = []
    for picking in pickings:
        if picking["state"] in ("done", "cancel", "draft"):
            raise UserError(
                f"{picking['name']}: only a ready transfer can be validated "
                f"(it is {picking['state']})."
            )
        moves = [
            m
            for m in db.children("stock.move", "picking_id", picking["id"])
            if m["state"] != "cancel"
        ]
        if not any(m["quantity"] > 0 for m in moves):
            raise UserError(
                "You cannot validate a transfer if no quantities are reserved "
                "nor done. You can use the info button on the moves."
            )
        if any(m["quantity"] < m["product_uom_qty"] for m in moves):
            partial.append(picking["id"])
    if partial and not env.context.get("skip_backorder"):
        return {
            "name": "Create Backorder?",
            "type": "ir.actions.act_window",
            "res_model": "stock.backorder.confirmation",
            "view_mode": "form",
            "target": "new",
            "context": {
                "button_validate_picking_ids": list(ids),
                "default_pick_ids": [[4, i] for i in partial],
            },
        }
    no_backorder = set(env.context.get("picking_ids_not_to_backorder") or [])
    for picking in pickings:
        _done(db, picking, backorder=picking["id"] in partial and picking["id"] not in no_backorder)
    return True


def _done(db: Database, picking: Vals, *, backorder: bool) -> None:
    rest: list[tuple[Vals, float]] = []
    for move in db.children("stock.move", "picking_id", picking["id"]):
        if move["state"] == "cancel":
            continue
        left = move["product_uom_qty"] - move["quantity"]
        if left > 0:
            rest.append((move, left))
        if move["quantity"] > 0:
            _move_stock(db, move)
            db.write(
                "stock.move", [move["id"]], {"state": "done", "product_uom_qty": move["quantity"]}
            )
        else:
            db.write("stock.move", [move["id"]], {"state": "cancel"})
    db.write("stock.picking", [picking["id"]], {"state": "done", "date_done": db.now()})
    if backorder and rest:
        _backorder(db, picking, rest)


def _backorder(db: Database, picking: Vals, rest: list[tuple[Vals, float]]) -> None:
    back_id = db.create(
        "stock.picking",
        {
            "picking_type_id": picking["picking_type_id"],
            "partner_id": picking["partner_id"],
            "origin": picking["origin"],
            "note": picking.get("note") or False,  # Odoo's copy(): the note is copied
            "sale_id": picking["sale_id"],
            "backorder_id": picking["id"],
            "location_id": picking["location_id"],
            "location_dest_id": picking["location_dest_id"],
            "move_type": picking["move_type"],
            "state": "confirmed",
        },
    )
    for move, left in rest:
        db.create(
            "stock.move",
            {
                "name": move["name"],
                "product_id": move["product_id"],
                "product_uom_qty": left,
                "product_uom": move["product_uom"],
                "picking_id": back_id,
                "sale_line_id": move["sale_line_id"],
                "location_id": move["location_id"],
                "location_dest_id": move["location_dest_id"],
                "state": "confirmed",
            },
        )
    _assign(db, [back_id])


def _move_stock(db: Database, move: Vals) -> None:
    """The done quantity leaves an internal source and reaches an internal destination."""
    if _internal(db, move["location_id"]):
        _add_stock(db, move["product_id"], move["location_id"], -float(move["quantity"]))
    if _internal(db, move["location_dest_id"]):
        _add_stock(db, move["product_id"], move["location_dest_id"], float(move["quantity"]))


def _add_stock(db: Database, product_id: int, location_id: int, quantity: float) -> None:
    quants = [
        q
        for q in db.children("stock.quant", "product_id", product_id)
        if q["location_id"] == location_id
    ]
    if quants:
        quant = quants[0]
        db.write("stock.quant", [quant["id"]], {"quantity": quant["quantity"] + quantity})
    else:
        db.create(
            "stock.quant",
            {"product_id": product_id, "location_id": location_id, "quantity": quantity},
        )


STOCK_METHODS: dict[tuple[str, str], tuple[Any, bool, str | None]] = {
    # (model, method): (function, runs on records, access it needs)
    ("stock.picking", "action_confirm"): (picking_confirm, True, "write"),
    ("stock.picking", "action_assign"): (action_assign, True, "write"),
    ("stock.picking", "button_validate"): (button_validate, True, "write"),
    ("stock.picking", "action_cancel"): (picking_cancel, True, "write"),
}
