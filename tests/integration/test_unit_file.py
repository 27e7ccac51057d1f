"""deploy/crossdock.service must pass ``systemd-analyze verify`` with no remark at all.

``verify`` checks that ExecStart's binary exists and is executable, and the shipped unit
points at the production layout (``/opt/crossdock/venv/bin/crossdock``). The faithful way to
check it here is to verify a copy in which *only* that venv prefix is replaced by the venv
running these tests, whose ``bin/crossdock`` is the same console script installed the same
way (``pip install``). Every other byte of the unit is verified as shipped.

``verify`` exits 0 on an unknown directive (it only warns), so "no problems" means: exit
status 0 *and* nothing printed. Two deliberately broken copies prove the check can fail.

systemd-analyze must be installed (``scripts/test`` installs it); if it is missing these
tests fail rather than skip, since a unit nobody verified is what they exist to prevent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "crossdock.service"
SHIPPED_VENV = "/opt/crossdock/venv/"
SHIPPED_EXEC = f"ExecStart={SHIPPED_VENV}bin/crossdock run --config /etc/crossdock/crossdock.toml"
DRAIN_DEADLINE_S = 30  # [gateway] shutdown_deadline's default, as the unit's comment says


def systemd_analyze() -> str:
    path = shutil.which("systemd-analyze")
    assert path is not None, "systemd-analyze is missing: install systemd (scripts/test does)"
    return path


def local_copy(tmp_path: Path, text: str | None = None) -> Path:
    """The shipped unit with only the venv prefix pointed at the venv running the tests."""
    text = UNIT.read_text(encoding="utf-8") if text is None else text
    assert text.count(SHIPPED_VENV) == 1, "the venv path should appear in ExecStart only"
    venv = Path(sys.prefix)
    script = venv / "bin" / "crossdock"
    assert os.access(script, os.X_OK), f"{script} missing: `pip install -e .` creates it"
    copy = tmp_path / "crossdock.service"
    copy.write_text(text.replace(SHIPPED_VENV, f"{venv}/"), encoding="utf-8")
    return copy


def verify(unit: Path) -> tuple[int, str]:
    done = subprocess.run(
        [systemd_analyze(), "verify", unit.name],
        cwd=unit.parent,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": ""},
    )
    return done.returncode, (done.stdout + done.stderr).strip()


def directives(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_shipped_unit_verifies_without_any_remark(tmp_path: Path) -> None:
    assert SHIPPED_EXEC in UNIT.read_text(encoding="utf-8").splitlines()
    code, output = verify(local_copy(tmp_path))
    assert (code, output) == (0, "")


def test_a_misspelt_directive_is_caught(tmp_path: Path) -> None:
    broken = UNIT.read_text(encoding="utf-8").replace("NoNewPrivileges=", "NoNewPrivilegs=")
    _, output = verify(local_copy(tmp_path, broken))  # exit status 0: only the output tells
    assert "Unknown key" in output
    assert "NoNewPrivilegs" in output


def test_a_missing_binary_is_caught(tmp_path: Path) -> None:
    copy = local_copy(tmp_path)
    text = copy.read_text(encoding="utf-8").replace("/bin/crossdock run", "/bin/crossdokc run")
    copy.write_text(text, encoding="utf-8")
    code, output = verify(copy)
    assert code != 0
    assert "crossdokc" in output


def test_hardening_exposure_stays_low(tmp_path: Path) -> None:
    # systemd's own score, 0 (locked down) to 10 (unprotected); the unit measures 1.2.
    # --threshold is in tenths: fail if anyone loosens the unit past 1.5.
    done = subprocess.run(
        [
            systemd_analyze(),
            "security",
            "--offline=yes",
            "--threshold=15",
            "--no-pager",
            local_copy(tmp_path).name,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Overall exposure level for crossdock.service" in done.stdout


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("Type", "notify"),
        ("NotifyAccess", "main"),
        ("WatchdogSec", "30"),
        ("Restart", "on-failure"),
        ("User", "crossdock"),
        ("StateDirectory", "crossdock"),
        ("ConfigurationDirectory", "crossdock"),
        ("KillSignal", "SIGTERM"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("ReadWritePaths", "/var/lib/crossdock"),
        ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
        ("CapabilityBoundingSet", ""),
        ("UMask", "0077"),
        ("LockPersonality", "yes"),
        ("MemoryDenyWriteExecute", "yes"),
    ],
)
def test_required_directive(key: str, value: str) -> None:
    assert directives(UNIT.read_text(encoding="utf-8")).get(key) == [value]


def test_system_call_filter_allows_system_services_only() -> None:
    found = directives(UNIT.read_text(encoding="utf-8"))
    assert found["SystemCallFilter"][0] == "@system-service"


def test_secrets_come_as_credentials() -> None:
    credentials = directives(UNIT.read_text(encoding="utf-8"))["LoadCredential"]
    names = sorted(entry.split(":", 1)[0] for entry in credentials)
    assert names == ["admin-tokens", "odoo-api-key"]


def test_stop_timeout_leaves_room_for_the_drain() -> None:
    found = directives(UNIT.read_text(encoding="utf-8"))
    assert int(found["TimeoutStopSec"][0]) > DRAIN_DEADLINE_S
    assert found["KillMode"] == ["mixed"]
