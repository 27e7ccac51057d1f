"""``crossdock edi parse | render | validate | ack`` as subprocesses, on the project's fixtures."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest

from contracts import decode_document

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
INBOUND = FIXTURES / "edi" / "mapping" / "inbound"


def crossdock(bin: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin), *args], capture_output=True, text=True, timeout=60, cwd=cwd, check=False
    )


@pytest.mark.parametrize("name", ["orders_d96a.edi", "x850_4010.edi", "desadv_d01b.edi"])
def test_parse_prints_the_canonical_documents(crossdock_bin: Path, name: str) -> None:
    done = crossdock(crossdock_bin, "edi", "parse", str(INBOUND / name))
    assert done.returncode == 0, done.stderr
    printed = [json.loads(line) for line in done.stdout.splitlines()]
    expected = json.loads((INBOUND / name).with_suffix(".expected.json").read_text())
    assert printed == [mapped["document"] for mapped in expected]


def test_parse_refuses_a_broken_file_in_one_line_with_its_position(
    crossdock_bin: Path, tmp_path: Path
) -> None:
    original = (INBOUND / "orders_d96a.edi").read_bytes()
    start = original.index(b"UNT+")
    broken = original[:start] + b"UNT+99" + original[original.index(b"+", start + 4) :]
    path = tmp_path / "PO-broken.edi"
    path.write_bytes(broken)
    done = crossdock(crossdock_bin, "edi", "parse", str(path))
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert "PO-broken.edi" in line and "UNT" in line and "segment" in line and "byte" in line


def test_validate_reports_every_violation(crossdock_bin: Path, tmp_path: Path) -> None:
    clean = crossdock(crossdock_bin, "edi", "validate", str(INBOUND / "orders_d96a.edi"))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    text = (INBOUND / "orders_d96a.edi").read_text(encoding="latin-1")
    # Two faults in one message: a date that is no date, and a quantity that is no number.
    assert "DTM+2:20240320:102'" in text and "QTY+21:48'" in text
    broken = text.replace("DTM+2:20240320:102'", "DTM+2:20241340:102'", 1)
    broken = broken.replace("QTY+21:48'", "QTY+21:4X8'", 1)
    path = tmp_path / "two-faults.edi"
    path.write_text(broken, encoding="latin-1")
    done = crossdock(crossdock_bin, "edi", "validate", str(path))
    assert done.returncode == 1
    report = done.stdout + done.stderr
    assert "2 violation(s)" in report, report


def test_ack_answers_an_edifact_interchange_with_contrl(crossdock_bin: Path) -> None:
    done = crossdock(crossdock_bin, "edi", "ack", str(INBOUND / "orders_d96a.edi"))
    assert done.returncode == 0, done.stderr
    assert "UCI+" in done.stdout and "CONTRL" in done.stdout
    assert "accepted" in done.stdout


def test_render_then_parse_round_trips_an_order_response(
    crossdock_bin: Path, tmp_path: Path
) -> None:
    outbound = FIXTURES / "edi" / "mapping" / "outbound"
    rendered = crossdock(
        crossdock_bin, "edi", "render", "--to", "edifact:ORDRSP:D96A", str(outbound / "ack.json")
    )
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.startswith("UNA")
    path = tmp_path / "ordrsp.edi"
    path.write_text(rendered.stdout)
    parsed = crossdock(crossdock_bin, "edi", "parse", str(path))
    assert parsed.returncode == 0, parsed.stderr
    (line,) = parsed.stdout.splitlines()
    assert decode_document(line) == decode_document((outbound / "ack.json").read_bytes())


def test_parse_reads_a_partners_flat_file_with_its_layout(
    crossdock_bin: Path, tmp_path: Path
) -> None:
    layouts = tomllib.loads((FIXTURES / "flat" / "layouts.toml").read_text())["layouts"]
    (tmp_path / "key").write_text("k" * 32)
    config = tmp_path / "crossdock.toml"
    config.write_text(
        '[odoo]\nurl = "http://127.0.0.1:9"\ndatabase = "d"\nlogin = "l"\n'
        'api_key = { file = "key" }\n\n[[partners]]\nid = "acme"\nrole = "customer"\n'
        'formats = ["csv", "fixed-width"]\nchannels = [{ type = "none" }]\n'
    )
    with config.open("a") as out:  # the fixture layouts, as [[partners.layouts]] entries
        for layout in layouts:
            out.write("\n[[partners.layouts]]\n" + _toml_table(layout))
    good = crossdock(
        crossdock_bin,
        "edi", "parse", str(FIXTURES / "flat" / "orders-basic.csv"),
        "--partner", "acme", "--config", str(config),
    )  # fmt: skip
    assert good.returncode == 0, good.stderr
    printed = [json.loads(line) for line in good.stdout.splitlines()]
    assert printed == json.loads((FIXTURES / "flat" / "orders-basic.expected.json").read_text())
    bad = crossdock(
        crossdock_bin,
        "edi", "parse", str(FIXTURES / "flat" / "orders-bad.csv"),
        "--partner", "acme", "--config", str(config),
    )  # fmt: skip
    assert bad.returncode == 2 and bad.stdout == ""
    assert "row 2" in bad.stderr and "qty" in bad.stderr


def _toml_table(table: dict[str, object]) -> str:
    return "".join(f"{key} = {_toml_value(value)}\n" for key, value in table.items())


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
        )
    raise TypeError(value)
