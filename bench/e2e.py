"""Sustained order intake through the real edges: SFTP drop -> gateway -> Odoo simulator.

Run by hand (not part of the test suite; tests/integration/test_bench_e2e_smoke.py runs this
code on a few files so it cannot rot)::

    .venv/bin/python bench/e2e.py [--rate 50] [--duration 60] [--mix 1:1] [--protocol json2]
        [--odoo-batch 50] [--odoo-concurrency 4] [--log-level info] [--no-reference]
        [--keep DIR] [--profile FILE] [--profile-sim FILE]

The goal (issue text): sustained 50 files/s of small ORDERS / 850 through the drop server into
the simulator, p50 <= 100 ms and p99 <= 500 ms from file close to ``sale.order`` created.

Set-up: ``crossdock odoo-sim`` (demo seed) and ``crossdock run`` each in its own process, two
customer partners on the ``sftp-drop`` channel (``acme-retail`` sends EDIFACT D.96A ORDERS,
``contoso-stores`` X12 004010 850; ``--mix`` weighs them), ``confirm_orders = false``. The
project's SFTP client (asyncssh in trio-asyncio, one connection per partner) uploads two-line
orders open-loop at ``--rate`` for ``--duration`` seconds, each file its own interchange.

What is measured, per file: from the moment its upload's close returned in the client (the
drop server answers the close only after the file is committed to the store) to the moment
the gateway acked the Odoo delivery of its order (the outbox row's ``finished_at``, written by
the store's ``time.time()`` right after Odoo's ``load`` answered, i.e. just after Odoo
committed the ``sale.order``). Both are the machine's wall clock in microseconds, read in two
processes. The simulator's ``create_date`` has whole seconds only, so it serves as a check
(every ack falls in the second of its order's ``create_date`` or just after), not as the
measure. Lost files (no order in Odoo for the order number) and doubled orders (two orders
for one number) are counted in Odoo itself.

The reference, in the same run and on the same simulator (reset, the gateway stopped): the
same number of orders written straight to Odoo by a naive integration, one blocking JSON-2
``sale.order.load`` per order (external IDs known beforehand, no store, no retries), paced at
the same rate; its latency is from each order's due time to the answer.

CPU: the gateway's and the simulator's user+system seconds (``/proc``) over the load, per file,
and what the rest of the machine used meanwhile (``/proc/stat``): the simulator, the client and
the gateway share 2 cores here, and anything else running (another test suite) shows up as
latency, so read that line before the latencies. Compare rows of one run.
"""

from __future__ import annotations

import argparse
import calendar
import math
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench._e2e_* when run as a script

from bench._e2e_load import EDIFACT, X12, BenchFile, PartnerSpec, Upload, make_files, upload_paced
from bench._e2e_procs import (
    CALL_LOG,
    Gateway,
    Simulator,
    StoreRow,
    cpu_seconds,
    machine_busy_seconds,
    make_client_key,
    write_config,
)
from edge.sftp import PartnerServer, load_client_key, parse_host_key_pin

__all__ = [
    "PARTNERS",
    "BenchResult",
    "Latency",
    "Reference",
    "Settings",
    "main",
    "naive_reference",
    "percentile",
    "report",
    "run_bench",
]

PARTNERS = (
    PartnerSpec("acme-retail", EDIFACT, "5412345000013", "sim.partner_acme"),
    PartnerSpec("contoso-stores", X12, "CONTOSO", "sim.partner_contoso"),
)
GOAL_P50, GOAL_P99 = 0.100, 0.500


@dataclass(frozen=True)
class Settings:
    rate: float = 50.0
    duration: float = 60.0
    mix: tuple[int, int] = (1, 1)
    protocol: str = "json2"
    drain_timeout: float = 120.0
    reference: bool = True
    odoo_batch: int = 50  # the config's defaults
    odoo_concurrency: int = 4
    log_level: str = "info"
    profile: Path | None = None
    profile_sim: Path | None = None

    @property
    def count(self) -> int:
        return max(1, round(self.rate * self.duration))


@dataclass(frozen=True)
class Latency:
    """One file: close returned -> Odoo delivery acked, and the stages in between (s)."""

    file: BenchFile
    closed: float
    acked: float
    stages: tuple[float, float, float, float]  # received->document->routed->acked, close rtt

    @property
    def seconds(self) -> float:
        return self.acked - self.closed


@dataclass
class Reference:
    latencies: list[float]
    elapsed: float
    orders_in_odoo: int


@dataclass
class BenchResult:
    settings: Settings
    uploads: list[Upload]
    rows: list[StoreRow]
    latencies: list[Latency]
    orders_by_ref: Counter[str]
    lost: list[str]
    doubled: list[str]
    not_delivered: list[str]
    gateway_cpu: float
    sim_cpu: float
    client_cpu: float
    create_date_mismatches: int
    loadavg_before: tuple[float, float, float]
    loadavg_after: tuple[float, float, float]
    gateway_exit: int | None
    odoo_calls: int | None  # calls the gateway made to Odoo over the load (None: not known)
    others_cpu: float  # CPU seconds the rest of the machine used meanwhile (other work, kernel)
    reference: Reference | None = None
    notes: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..100) of ``values``; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _latencies(uploads: list[Upload], rows: list[StoreRow]) -> list[Latency]:
    by_name = {(r.partner, r.name): r for r in rows}
    found = []
    for upload in uploads:
        row = by_name.get((upload.file.partner, upload.file.name))
        if row is None or row.acked_at is None or row.delivery_state != "completed":
            continue
        if row.document_at is None or row.routed_at is None or math.isnan(upload.closed):
            continue
        stages = (
            row.document_at - row.received_at,
            row.routed_at - row.document_at,
            row.acked_at - row.routed_at,
            upload.closed - upload.started,
        )
        found.append(Latency(upload.file, upload.closed, row.acked_at, stages))
    return found


def _wait_settled(gateway: Gateway, count: int, timeout: float) -> bool:
    """Bounded polling of the gateway's store until ``count`` files reached an end."""
    deadline = time.monotonic() + timeout
    while gateway.settled() < count:
        if gateway.proc.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _create_date_mismatches(latencies: list[Latency], orders: list[dict[str, object]]) -> int:
    """Acks outside [create_date, create_date + 2 s): a check of the clock we measure with."""
    created = {}
    for order in orders:
        stamp = time.strptime(str(order["create_date"]), "%Y-%m-%d %H:%M:%S")
        created[str(order["client_order_ref"])] = float(calendar.timegm(stamp))  # UTC
    bad = 0
    for lat in latencies:
        second = created.get(lat.file.order_number)
        if second is None or not second <= lat.acked < second + 2.0:
            bad += 1
    return bad


def naive_reference(sim: Simulator, files: list[BenchFile], rate: float) -> Reference:
    """One blocking ``sale.order.load`` per order at ``rate``: latency from due to answer."""
    fields = ["id", "partner_id/id", "client_order_ref", "order_line/product_id/id",
              "order_line/product_uom_qty"]  # fmt: skip
    customers = {p.partner: p.customer_xid for p in PARTNERS}
    latencies = []
    start = time.perf_counter() + 0.05
    for i, f in enumerate(files):
        due = start + i / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        data = [
            [f"bench.naive_{i}", customers[f.partner], f.order_number, "sim.product_widget",
             str(1 + i % 7)],
            ["", "", "", "sim.product_gadget", str(1 + i % 3)],
        ]  # fmt: skip
        answer = sim.call("sale.order", "load", fields=fields, data=data)
        if not answer.get("ids"):
            raise RuntimeError(f"the naive load was refused: {answer}")
        latencies.append(time.perf_counter() - due)
    elapsed = time.perf_counter() - start
    return Reference(latencies, elapsed, len(sim.sale_orders()))


def run_bench(settings: Settings, workdir: Path | None = None) -> BenchResult:
    """Start the simulator and the gateway, drive the load, collect and check everything."""
    with tempfile.TemporaryDirectory(prefix="crossdock-e2e-") as name:
        tmp = workdir or Path(name)
        return _run(settings, tmp)


def _run(settings: Settings, tmp: Path) -> BenchResult:
    (tmp / "keys").mkdir(parents=True, exist_ok=True)
    for spec in PARTNERS:
        make_client_key(tmp / "keys" / spec.partner)
    files = make_files(settings.count, PARTNERS, settings.mix)
    sim = Simulator(tmp / "odoo-sim.log", profile=settings.profile_sim)
    try:
        sim.set_customer_refs(PARTNERS)
        config, token = write_config(
            tmp,
            sim.url,
            PARTNERS,
            protocol=settings.protocol,
            batch=settings.odoo_batch,
            concurrency=settings.odoo_concurrency,
            log_level=settings.log_level,
        )
        gateway = Gateway(config, token, tmp, profile=settings.profile)
        try:
            servers = {
                spec.partner: PartnerServer(
                    partner=spec.partner,
                    host=gateway.sftp_host,
                    port=gateway.sftp_port,
                    username=spec.partner,
                    client_key=load_client_key(str(tmp / "keys" / spec.partner)),
                    host_key=parse_host_key_pin(gateway.fingerprint),
                )
                for spec in PARTNERS
            }
            load_before = os.getloadavg()
            calls = sim.calls()
            cpu_gw, cpu_sim, cpu_me = gateway.cpu(), sim_cpu(sim), time.process_time()
            busy = machine_busy_seconds()
            uploads = trio.run(upload_paced, servers, files, settings.rate)
            cpu_me = time.process_time() - cpu_me
            sent = sum(1 for u in uploads if u.error is None)
            settled = _wait_settled(gateway, sent, settings.drain_timeout)
            cpu_gw, cpu_sim = gateway.cpu() - cpu_gw, sim_cpu(sim) - cpu_sim
            busy = machine_busy_seconds() - busy
            load_after = os.getloadavg()
            after = sim.calls()
            odoo_calls = after - calls if after < CALL_LOG else None
            rows = gateway.trace()
        finally:
            exit_code = gateway.stop()
        orders = sim.sale_orders()
        by_ref = Counter(str(o["client_order_ref"]) for o in orders)
        latencies = _latencies(uploads, rows)
        delivered = {(lat.file.partner, lat.file.name) for lat in latencies}
        result = BenchResult(
            settings=settings,
            uploads=uploads,
            rows=rows,
            latencies=latencies,
            orders_by_ref=by_ref,
            lost=[f.name for f in files if by_ref[f.order_number] == 0],
            doubled=[ref for ref, n in by_ref.items() if n > 1],
            not_delivered=[f.name for f in files if (f.partner, f.name) not in delivered],
            gateway_cpu=cpu_gw,
            sim_cpu=cpu_sim,
            client_cpu=cpu_me,
            create_date_mismatches=_create_date_mismatches(latencies, orders),
            loadavg_before=load_before,
            loadavg_after=load_after,
            gateway_exit=exit_code,
            odoo_calls=odoo_calls,
            others_cpu=busy - cpu_gw - cpu_sim - cpu_me,
        )
        if not settled:
            result.notes.append(
                f"not every file settled within {settings.drain_timeout} s of the last upload"
            )
        result.notes.extend(f"upload failed: {u.file.name}: {u.error}" for u in uploads if u.error)
        if settings.reference:
            sim.reset()
            result.reference = naive_reference(sim, files, settings.rate)
        return result
    finally:
        sim.close()


def sim_cpu(sim: Simulator) -> float:
    return cpu_seconds(sim.proc.pid)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f}"


def report(result: BenchResult) -> str:
    """The table and the verdict, as printed."""
    s = result.settings
    n = len(result.uploads)
    lat = [x.seconds for x in result.latencies]
    closes = [u.closed for u in result.uploads if not math.isnan(u.closed)]
    acks = [x.acked for x in result.latencies]
    up_rate = (len(closes) - 1) / (max(closes) - min(closes)) if len(closes) > 1 else math.nan
    odoo_rate = (len(acks) - 1) / (max(acks) - min(acks)) if len(acks) > 1 else math.nan
    lag = [u.started - u.due for u in result.uploads if not math.isnan(u.started)]
    kinds = Counter(u.file.kind for u in result.uploads)
    out = [
        f"e2e order intake: {n} files ({kinds[EDIFACT]} ORDERS D96A, {kinds[X12]} 850 004010) "
        f"offered at {s.rate:g}/s for {s.duration:g} s; Odoo protocol {s.protocol}, delivery "
        f"batch {s.odoo_batch}, concurrency {s.odoo_concurrency}; gateway log level {s.log_level}",
        f"machine: {os.cpu_count()} CPUs; load average before {_load(result.loadavg_before)}, "
        f"after {_load(result.loadavg_after)}; simulator, gateway and client each in its "
        "own process",
        "latency: SFTP close returned (client) -> Odoo delivery acked (outbox finished_at, "
        "just after Odoo's commit); wall clock, microsecond resolution",
        "",
        f"{'':<34}{'count':>7}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}",
        _row("gateway: close -> sale.order", lat),
    ]
    for i, label in enumerate(
        ("  received -> parsed, stored", "  stored -> routed", "  routed -> Odoo acked",
         "  (upload: open .. close rtt)")
    ):  # fmt: skip
        out.append(_row(label, [x.stages[i] for x in result.latencies]))
    out.append(_row("  (client start lag vs schedule)", lag))
    if result.reference is not None:
        ref = result.reference
        out.append(_row("naive: 1 blocking load/order", ref.latencies))
    out += [
        "",
        f"uploads/s achieved {up_rate:.1f}; sale orders/s into Odoo {odoo_rate:.1f}",
        f"files lost (no sale.order): {len(result.lost)}; sale orders doubled: "
        f"{len(result.doubled)}; not delivered by the gateway: {len(result.not_delivered)}",
        f"sale orders in Odoo: {sum(result.orders_by_ref.values())} for {n} files; acks "
        f"outside their order's create_date second (+1 s): {result.create_date_mismatches}",
        f"CPU per file: gateway {result.gateway_cpu / n * 1000:.2f} ms "
        f"({result.gateway_cpu:.1f} s), simulator {result.sim_cpu / n * 1000:.2f} ms, "
        f"client {result.client_cpu / n * 1000:.2f} ms; everything else on the machine "
        f"meanwhile {result.others_cpu:.1f} CPU s (other processes, kernel threads: the closer "
        "to 0, the cleaner the run)",
    ]
    calls = (
        f"{result.odoo_calls / n:.2f}"
        if result.odoo_calls is not None
        else f"not known (more than the simulator's log of {CALL_LOG:,})"
    )
    out.append(f"Odoo calls per order: gateway {calls}; naive reference 1")
    if result.reference is not None:
        ref = result.reference
        out.append(
            f"naive reference: {len(ref.latencies)} loads in {ref.elapsed:.1f} s "
            f"({len(ref.latencies) / ref.elapsed:.1f}/s), {ref.orders_in_odoo} orders in Odoo"
        )
    out.append(f"gateway exit code after SIGTERM: {result.gateway_exit}")
    out += [f"note: {note}" for note in result.notes]
    p50, p99 = percentile(lat, 50), percentile(lat, 99)
    ok = (
        p50 <= GOAL_P50
        and p99 <= GOAL_P99
        and not result.lost
        and not result.doubled
        and up_rate >= 0.95 * s.rate
    )
    out.append(
        f"verdict: {'MET' if ok else 'NOT met'} -- goal p50 <= 100 ms, p99 <= 500 ms at "
        f"{s.rate:g} files/s, 0 lost, 0 doubled; got p50 {p50 * 1000:.1f} ms, p99 "
        f"{p99 * 1000:.1f} ms at {up_rate:.1f}/s, {len(result.lost)} lost, "
        f"{len(result.doubled)} doubled"
    )
    return "\n".join(out)


def _row(label: str, values: list[float]) -> str:
    return (
        f"{label:<34}{len(values):>7}{_ms(percentile(values, 50))}{_ms(percentile(values, 90))}"
        f"{_ms(percentile(values, 99))}{_ms(max(values) if values else math.nan)}"
    )


def _load(avg: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.2f}" for x in avg)


def _mix(text: str) -> tuple[int, int]:
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or parts == ["0", "0"]:
        raise argparse.ArgumentTypeError("the mix is ORDERS:850 weights, e.g. 1:1 or 3:1")
    return int(parts[0]), int(parts[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="files per second (50)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (60)")
    parser.add_argument("--mix", type=_mix, default=(1, 1), help="ORDERS:850 weights (1:1)")
    parser.add_argument("--protocol", choices=["json2", "jsonrpc"], default="json2")
    parser.add_argument("--odoo-batch", type=int, default=50, help="delivery_batch_size (50)")
    parser.add_argument("--odoo-concurrency", type=int, default=4, help="delivery_concurrency (4)")
    parser.add_argument(
        "--log-level", choices=["debug", "info", "warning", "error"], default="info"
    )
    parser.add_argument("--drain-timeout", type=float, default=120.0)
    parser.add_argument(
        "--profile", type=Path, help="run the gateway under cProfile, stats to this file"
    )
    parser.add_argument(
        "--profile-sim", type=Path, help="run the simulator under cProfile, stats to this file"
    )
    parser.add_argument("--no-reference", action="store_true", help="skip the naive reference")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (logs, store)")
    args = parser.parse_args()
    settings = Settings(
        rate=args.rate,
        duration=args.duration,
        mix=args.mix,
        protocol=args.protocol,
        drain_timeout=args.drain_timeout,
        reference=not args.no_reference,
        odoo_batch=args.odoo_batch,
        odoo_concurrency=args.odoo_concurrency,
        log_level=args.log_level,
        profile=args.profile.resolve() if args.profile else None,
        profile_sim=args.profile_sim.resolve() if args.profile_sim else None,
    )
    if args.keep is not None:
        if args.keep.exists() and any(args.keep.iterdir()):
            parser.error(f"--keep {args.keep}: not empty (an old store would hold old files)")
        args.keep.mkdir(parents=True, exist_ok=True)
    print(report(run_bench(settings, args.keep)))


if __name__ == "__main__":
    main()
