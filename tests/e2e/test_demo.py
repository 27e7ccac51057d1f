"""``crossdock demo --once`` as a new user runs it: a subprocess, no arguments but --once.

The demo plays every flow this build has; the test reads its summary table and checks that
every flow the build announces reached its end (sent == reached, nothing failed), that flows
the build lacks say so rather than fail, and that the exit status agrees. The timeout bounds
a hang; it is not a timing assertion.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from gateway.demo._report import FLOW_TITLES

TIMEOUT = 120

# The workflow children and the summary rows they answer for.
ROWS_OF_WORKFLOW = {
    "order_intake": ["order intake", "functional acks"],
    "order_ack": ["order acknowledgement"],
    "fulfillment": ["fulfillment request"],
    "inventory": ["inventory levels", "stock feed"],
    "receipt": ["receipts"],
}


def run_demo(crossdock_bin: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(crossdock_bin), "demo", "--once", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def summary_rows(out: str) -> dict[str, str]:
    """The summary table's rows by flow title (the text after the title)."""
    table = out.split("p50 ms", 1)[1].split("What Odoo holds", 1)[0]
    rows = {}
    for line in table.strip().splitlines():
        for title in FLOW_TITLES.values():
            if line.startswith(title + " "):
                rows[title] = line[len(title) :].strip()
    return rows


def test_demo_once_plays_every_available_flow_and_exits_0(crossdock_bin: Path) -> None:
    done = run_demo(crossdock_bin)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    [state] = re.findall(r"crossdock demo: state in (\S+)", out)
    assert not Path(state).exists(), "the temp state dir was not removed"
    [listed] = re.findall(r"workflows in this build: (.*)", out)
    workflows = {w.strip() for w in listed.split(",")}
    assert "order_intake" in workflows
    rows = summary_rows(out)
    for workflow, titles in ROWS_OF_WORKFLOW.items():
        for title in titles:
            assert title in rows, f"the summary does not name {title!r}:\n{out}"
            if workflow not in workflows:
                assert "not available in this build" in rows[title]
    played = 0
    for title, row in rows.items():
        if "not available in this build" in row and not row[0].isdigit():
            continue
        sent, reached, failed = (int(n) for n in row.split()[:3])
        assert sent >= 1 and reached == sent and failed == 0, f"{title}: {row}"
        played += 1
    assert played >= 3  # order intake, its CONTRL, and at least one more flow
    # The EDIFACT order and the CONTRL back are always there: order intake works today.
    assert rows["order intake"].split()[:3][1] != "0"
    assert re.search(r"sale orders\s+[1-9]", out), out
    assert re.search(r"acme\s+[1-9]\s+ORDERS-PO-4711\.edi\.\d+\.", out), out
    assert "every available flow completed" in out


def test_demo_keeps_a_given_state_dir_with_a_loadable_config(
    crossdock_bin: Path, tmp_path: Path
) -> None:
    state = tmp_path / "demo"
    done = run_demo(crossdock_bin, "--state-dir", str(state))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"kept {state}" in done.stdout
    assert (state / "gateway" / "crossdock.sqlite3").exists()
    assert (state / "gateway.log").read_text().strip()
    check = subprocess.run(
        [str(crossdock_bin), "check-config", str(state / "crossdock.toml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr
    assert "north-3pl" in check.stdout and "sftp-poll" in check.stdout

    again = run_demo(crossdock_bin, "--state-dir", str(state))
    assert again.returncode == 2
    assert "holds an earlier demo" in again.stderr


def test_the_x12_3pl_reads_a_940_as_the_gateway_writes_it() -> None:
    # The demo's 3PL answers what it reads: the request, the order and each line's item.
    from gateway.demo import parse_940

    fixture = Path(__file__).parents[2] / "fixtures/edi/mapping/outbound"
    data = (fixture / "fulfillment.x12-940-004010.edi").read_bytes()
    assert parse_940(data) == ("WH-OUT-0042", "PO-850-1", [("ART-1", 12.0), ("ART-2", 2.0)])
