"""``crossdock demo``: one command that shows a new user every flow, with no network.

It starts, in one trio process, the Odoo simulator (a test double of Odoo's protocols,
seeded with products, customers and a warehouse), the X12 3PL's own SFTP server, and the
gateway with a generated configuration (drop server, webhook receiver, admin API); then it
plays the sample documents of :mod:`gateway.demo._samples` through every flow this build
has (:data:`SCENARIOS`), prints one line per event and a summary. See docs/demo.md.
"""

from gateway.demo._report import OdooReader, Progress
from gateway.demo._run import DemoOptions, play, run_demo
from gateway.demo._scenarios import SCENARIOS, Scenario, parse_940, parse_fulfillment_csv
from gateway.demo._setup import DemoFiles, prepare_state, write_config
from gateway.demo._world import StepFailed, World, open_world

__all__ = [
    "SCENARIOS",
    "DemoFiles",
    "DemoOptions",
    "OdooReader",
    "Progress",
    "Scenario",
    "StepFailed",
    "World",
    "open_world",
    "parse_940",
    "parse_fulfillment_csv",
    "play",
    "prepare_state",
    "run_demo",
    "write_config",
]
