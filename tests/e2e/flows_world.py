"""The world tests/e2e/test_flows.py plays in: every party a process, every edge a real one.

- Odoo: ``crossdock odoo-sim`` (a test double of Odoo's protocols, demo seed) as a subprocess,
  read and written over JSON-2 (:class:`tests.e2e.test_crash.Simulator`).
- The gateway: ``crossdock run --config crossdock.toml`` as a subprocess, READY=1 over a
  notify socket, its JSON log in ``gateway.log`` (where the SFTP and webhook addresses are).
- The partners: OpenSSH's own ``sftp`` in batch mode, each with an Ed25519 key made by
  ``ssh-keygen`` and a known_hosts file pinning the host key the gateway wrote into its
  state directory on first start; the marketplace also POSTs signed JSON with httpx.

Cast: ``acme-retail`` (EDIFACT customer: ORDERS in; CONTRL and ORDRSP out; orders confirmed
in Odoo), ``north-3pl`` (X12 3PL of warehouse WH: 940 out; 945, 944, 846 in), ``east-3pl``
(CSV 3PL of WH, takes the GAD-002 lines: fulfillment CSV out, shipment CSV in) and
``shopfront`` (marketplace: webhook orders in, a CSV stock feed in its drop ``outbox/``,
WID-001 critical).

Nothing here synchronises on time: every wait polls another process's visible progress (the
simulator, the store read-only, a partner's folder listing) under a bound that only catches
a hang (:data:`HANG`).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gateway.demo._samples import csv_shipment, edifact_orders, x12_945
from tests.e2e._flows_support import (
    CUSTOMER,
    EAST,
    HANG,
    NORTH,
    ORDER,
    eventually,
    odoo_id,
)
from tests.e2e.test_crash import Simulator

__all__ = ["Partners", "StoreReader", "World"]

T = TypeVar("T")


@dataclass
class Partners:
    """The partners' side of the drop server: OpenSSH's ``sftp -b -`` with each one's key."""

    port: int
    known_hosts: Path
    keys: Path
    work: Path
    proc: Any = None
    runs: int = field(default=0)

    def run(self, partner: str, commands: list[str]) -> str:
        """Run the batch as ``partner``; its stdout. A failing command fails the test."""
        sftp = shutil.which("sftp")
        assert sftp is not None, "OpenSSH's sftp client is required (install openssh-client)"
        argv = [
            sftp,
            "-b",
            "-",
            "-F",
            "/dev/null",
            "-i",
            str(self.keys / partner),
            "-P",
            str(self.port),
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "IdentityAgent=none",
            "-o",
            "LogLevel=ERROR",
            f"{partner}@127.0.0.1",
        ]
        self.runs += 1
        done = subprocess.run(
            argv,
            input="\n".join(commands).encode() + b"\n",
            cwd=self.work,
            capture_output=True,
            timeout=HANG,
        )
        assert done.returncode == 0, (
            f"sftp as {partner} {commands} exited {done.returncode}: {done.stderr.decode()}"
        )
        return done.stdout.decode()

    def put(self, partner: str, name: str, data: bytes) -> None:
        """Upload ``inbox/<name>``; returns once the gateway answered the close (committed)."""
        local = self.work / f"up-{self.runs}-{name}"
        local.write_bytes(data)
        self.run(partner, [f"put {local.name} inbox/{name}"])

    def listing(self, partner: str, folder: str = "outbox") -> list[str]:
        out = self.run(partner, [f"ls -1 {folder}"])
        names = [line.strip() for line in out.splitlines() if line and "sftp>" not in line]
        return sorted(name.removeprefix(f"{folder}/") for name in names)

    def get(self, partner: str, name: str, folder: str = "outbox") -> bytes:
        local = self.work / f"down-{self.runs}-{partner}-{name}"
        self.run(partner, [f"get {folder}/{name} {local.name}"])
        return local.read_bytes()

    def wait_for(
        self, partner: str, wanted: Callable[[str], bool], what: str, count: int = 1
    ) -> list[str]:
        """At least ``count`` names in ``partner``'s ``outbox/`` that are ``wanted``."""

        def probe() -> list[str] | None:
            found = [n for n in self.listing(partner) if wanted(n)]
            return found if len(found) >= count else None

        return eventually(probe, f"{what} in {partner}'s outbox/", self.proc)


@dataclass
class StoreReader:
    """The gateway's store, read-only from outside (SQLite WAL lets a second process read)."""

    path: Path
    proc: Any = None

    def rows(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=HANG) as db:
            return list(db.execute(query, args))

    def inbound(self, partner: str, name: str) -> list[tuple[int, str, str | None]]:
        """(id, state, reason) of every inbound row of ``partner`` named ``name``."""
        return [
            (int(i), str(s), r)
            for i, s, r in self.rows(
                "select id, state, reason from inbound where partner = ? and source_ref in (?, ?)"
                " order by id",
                partner,
                name,
                f"inbox/{name}",
            )
        ]

    def settle(self, partner: str, name: str) -> str:
        """Wait until the last upload of ``name`` from ``partner`` came to rest: refused or a
        duplicate at once, or parsed with its documents out of ``new`` and each of their Odoo
        deliveries completed or dead. Returns the inbound row's state."""

        def probe() -> str | None:
            rows = self.inbound(partner, name)
            if not rows or rows[-1][1] == "received":
                return None
            inbound_id, state, _ = rows[-1]
            if state != "parsed":
                return state
            docs = self.rows("select id, state from documents where inbound_id = ?", inbound_id)
            if not docs or any(s == "new" for _, s in docs):
                return None
            marks = ",".join("?" * len(docs))
            deliveries = self.rows(
                f"select state from outbox where destination = 'odoo' and document_id in ({marks})",
                *(i for i, _ in docs),
            )
            return state if all(s in ("completed", "dead") for (s,) in deliveries) else None

        return eventually(probe, f"{name} from {partner} settled", self.proc)

    def settled(self, partner: str, name: str) -> None:
        """:meth:`settle`, and everything went through: parsed, nothing dead."""
        state = self.settle(partner, name)
        [*_, (inbound_id, _, reason)] = self.inbound(partner, name)
        assert state == "parsed", f"{name} from {partner} was {state}: {reason}"
        dead = self.rows(
            "select d.id, d.reason, o.id, o.last_error from documents d left join outbox o"
            " on o.document_id = d.id and o.destination = 'odoo'"
            " where d.inbound_id = ? and (d.state = 'dead' or o.state = 'dead')",
            inbound_id,
        )
        assert not dead, f"{name} from {partner} went to the dead letters: {dead}"

    def outbox(self, flow: str, partner: str | None = None) -> list[tuple[int, str, str, str]]:
        """(id, idempotency key, destination, state) of a flow's outbox rows (one partner's)."""
        return [
            (int(i), str(k), str(d), str(s))
            for i, k, d, s, p in self.rows(
                "select id, idempotency_key, destination, state, partner from outbox"
                " where flow = ? order by id",
                flow,
            )
            if partner is None or p == partner
        ]


@dataclass
class World:
    crossdock: Path
    sim: Simulator
    proc: subprocess.Popen[bytes]
    partners: Partners
    store: StoreReader
    config: Path
    admin_url: str
    webhook_url: str
    customers: dict[str, int]
    done: dict[str, Any] = field(default_factory=dict)

    def once(self, step: str, take: Callable[[], T]) -> T:
        """The step's result, taking it the first time it is asked for."""
        if step not in self.done:
            self.done[step] = take()
        result: T = self.done[step]
        return result

    def read(self, model: str, domain: list[Any], fields: list[str]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.sim.call(
            model, "search_read", domain=domain, fields=fields
        )
        return rows

    def sale_orders(self, ref: str) -> list[dict[str, Any]]:
        return self.read(
            "sale.order",
            [["client_order_ref", "=", ref]],
            ["name", "state", "partner_id", "order_line"],
        )

    def codes(self) -> dict[int, str]:
        """product.product id -> its SKU (Internal Reference)."""
        return {
            p["id"]: p["default_code"] for p in self.read("product.product", [], ["default_code"])
        }

    def order_lines(self, order_id: int) -> dict[str, float]:
        codes = self.codes()
        return {
            codes[odoo_id(line["product_id"])]: float(line["product_uom_qty"])
            for line in self.read(
                "sale.order.line", [["order_id", "=", order_id]], ["product_id", "product_uom_qty"]
            )
        }

    def moves(self, picking_id: int) -> dict[str, tuple[float, float]]:
        """SKU -> (demand, quantity done) of a picking's moves."""
        codes = self.codes()
        return {
            codes[odoo_id(m["product_id"])]: (float(m["product_uom_qty"]), float(m["quantity"]))
            for m in self.read(
                "stock.move",
                [["picking_id", "=", picking_id]],
                ["product_id", "product_uom_qty", "quantity"],
            )
        }

    def picking(self, domain: list[Any]) -> dict[str, Any]:
        [found] = self.read(
            "stock.picking", domain, ["name", "state", "carrier_tracking_ref", "origin"]
        )
        return found

    def crossdock_cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.crossdock), *args, "--config", str(self.config)],
            capture_output=True,
            text=True,
            timeout=HANG,
        )

    # --- The steps the flows build on ----------------------------------------------------

    def placed(self) -> dict[str, Any]:
        """The customer's ORDERS uploaded over SFTP; its sale.order in Odoo."""

        def take() -> dict[str, Any]:
            self.partners.put(CUSTOMER, f"ORDERS-{ORDER}.edi", edifact_orders(ORDER, "FLOW0001"))
            self.store.settled(CUSTOMER, f"ORDERS-{ORDER}.edi")
            [order] = self.sale_orders(ORDER)
            return order

        return self.once("placed", take)

    def requested(self) -> tuple[str, bytes, bytes]:
        """The order's picking and the fulfillment files the two 3PLs fetched for it."""

        def take() -> tuple[str, bytes, bytes]:
            order = self.placed()
            picking = eventually(
                lambda: (
                    self.read("stock.picking", [["sale_id", "=", order["id"]]], ["name"]) or None
                ),
                "the order's picking in Odoo",
            )[0]["name"]
            safe = picking.replace("/", "-")
            [north] = self.partners.wait_for(NORTH, lambda n: n == f"{safe}-1.x12", "the 940")
            [east] = self.partners.wait_for(EAST, lambda n: n == f"{safe}-2.csv", "the CSV")
            return picking, self.partners.get(NORTH, north), self.partners.get(EAST, east)

        return self.once("requested", take)

    def shipped(self) -> str:
        """Both 3PLs confirmed their parts (the X12 one short); the picking's name."""

        def take() -> str:
            picking, _, _ = self.requested()
            safe = picking.replace("/", "-")
            answer = x12_945(f"{picking}-1", ORDER, [("WID-001", 48, 40)], control=701)
            self.partners.put(NORTH, f"945-{safe}-1.x12", answer)
            ship = csv_shipment(f"{picking}-2", [("GAD-002", 3, 3)], shipment=f"S-{safe}")
            self.partners.put(EAST, f"SHIP-{safe}-2.csv", ship)
            self.store.settled(NORTH, f"945-{safe}-1.x12")
            self.store.settled(EAST, f"SHIP-{safe}-2.csv")
            self.done["945"] = answer
            return picking

        return self.once("shipped", take)
