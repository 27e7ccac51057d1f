"""The Odoo simulator: a test double of Odoo's external API (JSON-2 and JSON-RPC).

Not Odoo: an HTTP server that speaks Odoo's documented protocols with Odoo's request and
error shapes, over a small in-memory ORM of the models crossdock touches, with Odoo's access
checks and constraints, and faults injected on demand (latency, 5xx, lock conflicts, 429,
timeouts, "committed but the answer was lost"). The tests and the demo use it; the lead's
``crossdock odoo-sim`` command runs it (:func:`run_simulator_cli`).

::

    sim = OdooSimulator(api_key="key", protocol="both")      # Odoo 19 answers both
    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_simulator, sim)       # http://127.0.0.1:<port>
        sim.faults.schedule("drop_after_commit", method="load")
"""

from ._domain import evaluate, parse
from ._exceptions import (
    AccessDenied,
    AccessError,
    LockError,
    MissingError,
    OdooException,
    UserError,
    ValidationError,
    error_body,
)
from ._faults import FaultKind, Faults, FaultUpdate, ScheduledFault
from ._methods import User
from ._orm import Database
from ._seed import DEMO_PRODUCTS
from ._serve import run_simulator_cli, serve_simulator, simulator_in_thread
from ._sim import CallRecord, OdooSimulator, ProtocolChoice

__all__ = [
    "DEMO_PRODUCTS",
    "AccessDenied",
    "AccessError",
    "CallRecord",
    "Database",
    "FaultKind",
    "FaultUpdate",
    "Faults",
    "LockError",
    "MissingError",
    "OdooException",
    "OdooSimulator",
    "ProtocolChoice",
    "ScheduledFault",
    "User",
    "UserError",
    "ValidationError",
    "error_body",
    "evaluate",
    "parse",
    "run_simulator_cli",
    "serve_simulator",
    "simulator_in_thread",
]
