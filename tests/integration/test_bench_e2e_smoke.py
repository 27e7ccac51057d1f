"""bench/e2e.py's whole code path on a handful of files, so the bench cannot rot.

It starts what the bench starts (``crossdock odoo-sim`` and ``crossdock run`` as
subprocesses, the gateway synchronised on READY=1), uploads six orders (three EDIFACT ORDERS,
three X12 850) through the drop server with the project's SFTP client, and runs the naive
reference. No timing is asserted: only that every file became exactly one ``sale.order``,
that the gateway acked every delivery, and that each file's latency record is complete and
causally ordered (the bench's figures are built from exactly these records).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench._e2e_load import EDIFACT, X12
from bench._e2e_procs import CROSSDOCK
from bench.e2e import Settings, report, run_bench

pytestmark = pytest.mark.slow

FILES = 6


def test_every_file_becomes_one_sale_order_with_a_complete_latency_record(
    tmp_path: Path,
) -> None:
    assert CROSSDOCK.exists(), f"{CROSSDOCK} missing: install the project (pip install -e .)"
    settings = Settings(rate=10.0, duration=FILES / 10.0, mix=(1, 1), drain_timeout=60.0)
    result = run_bench(settings, tmp_path)

    assert [u.error for u in result.uploads] == [None] * FILES, result.notes
    kinds = sorted(u.file.kind for u in result.uploads)
    assert kinds == sorted([EDIFACT] * 3 + [X12] * 3)
    numbers = {u.file.order_number for u in result.uploads}
    assert len(numbers) == FILES  # unique order numbers, so each needs its own sale.order

    # In Odoo: exactly one sale.order per file, and nothing else.
    assert dict(result.orders_by_ref) == dict.fromkeys(numbers, 1)
    assert result.lost == [] and result.doubled == [] and result.not_delivered == []

    # In the gateway's store: every file parsed, routed and its Odoo delivery acked once.
    by_name = {row.name: row for row in result.rows}
    assert sorted(by_name) == sorted(u.file.name for u in result.uploads)
    for row in by_name.values():
        assert row.inbound_state == "parsed"
        assert row.delivery_state == "completed" and row.attempts == 1
        assert row.result is not None and row.result.startswith("sale.order,")

    # The latency records: one per file, complete and in causal order on the wall clock.
    assert sorted(lat.file.name for lat in result.latencies) == sorted(by_name)
    for lat in result.latencies:
        upload = next(u for u in result.uploads if u.file is lat.file)
        assert upload.started < lat.closed < lat.acked
        assert all(math.isfinite(s) and s >= 0 for s in lat.stages), lat.stages
        assert 0 < lat.seconds < settings.drain_timeout

    assert result.reference is not None
    assert len(result.reference.latencies) == FILES
    assert result.reference.orders_in_odoo == FILES  # the naive loads, on the reset simulator
    assert result.gateway_exit == 0
    assert result.gateway_cpu > 0 and result.sim_cpu > 0
    assert result.odoo_calls is not None and result.odoo_calls > 0

    text = report(result)
    assert "files lost (no sale.order): 0; sale orders doubled: 0" in text
    assert "verdict: " in text
