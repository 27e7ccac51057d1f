"""The jail and the door, against OpenSSH's ``sftp``: every escape and bad login refused,
logged with the partner, and nothing written outside the partner's folders."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
import trio

from edge.sftp import DropAccount, DropEvent
from tests.integration.test_sftp_support import (
    HANG_GUARD,
    FakeSink,
    make_key,
    require_openssh,
    run_sftp,
    running_drop,
    tree_files,
)


def accounts(tmp_path: Path) -> tuple[list[DropAccount], Path]:
    for partner in ("acme", "other"):
        make_key(tmp_path / f"{partner}_key", partner)
    return [
        DropAccount(
            partner=p,
            username=p,
            authorized_keys=(str(tmp_path / f"{p}_key.pub"),),
            max_file_size=4096,
        )
        for p in ("acme", "other")
    ], tmp_path / "acme_key"


def leaks(tmp_path: Path) -> list[Path]:
    """Whatever the escape attempts could have left outside the jail."""
    found = [*tmp_path.glob("stolen*"), *tmp_path.rglob("escape*.edi"), tmp_path / "peek"]
    return [p for p in [*found, Path("/etc/crossdock-escape")] if p.exists()]


def refusals(caplog: pytest.LogCaptureFixture, event: str) -> list[dict[str, object]]:
    return [
        dict(r.crossdock_fields)  # type: ignore[attr-defined]
        for r in caplog.records
        if r.msg == event and r.levelno >= logging.WARNING
    ]


async def test_escape_attempts_are_refused_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="edge.sftp")
    both, key = accounts(tmp_path)
    (tmp_path / "x.edi").write_bytes(b"x" * 100)
    sink = FakeSink()
    async with running_drop(tmp_path / "srv", sink, both) as drop:
        secret = drop.root / "other" / "outbox" / "SECRET.edi"
        secret.write_bytes(b"for other only")
        (drop.root / "acme" / "outbox" / "ACK.edi").write_bytes(b"ack")
        before_other = tree_files(drop.root / "other")
        result = await run_sftp(
            drop.info.port,
            key,
            drop.known_hosts,
            [
                "-put x.edi ../../escape.edi",  # climbs above the root
                "-put x.edi /inbox/../../escape2.edi",
                "-put x.edi /etc/crossdock-escape",  # an absolute host path: not a folder
                "-get /../other/outbox/SECRET.edi stolen1",  # another partner's tree
                "-get /outbox/../../other/outbox/SECRET.edi stolen2",
                "-get /other/outbox/SECRET.edi stolen3",
                "-symlink /etc/passwd /inbox/passwd",
                "-ln /outbox/ACK.edi /inbox/hard.edi",
                "put x.edi /inbox/held.edi.filepart",
                "-rename /inbox/held.edi.filepart /outbox/moved.edi",
                "-get /inbox/held.edi.filepart peek",  # inbox is write-only
                "-put x.edi /outbox/forged.edi",  # outbox is read-only
                "-mkdir /inbox/sub",
                "-rmdir /outbox",
            ],
            user="acme",
            workdir=tmp_path,
        )
    assert result.returncode == 0, result.stderr.decode()
    refused = refusals(caplog, "sftp_refused")
    assert {r["partner"] for r in refused} == {"acme"}
    reasons = [(r["op"], r["reason"]) for r in refused]
    escapes = {r["path"] for r in refused if r["reason"] == "path climbs above the partner's root"}
    assert escapes == {
        "/../../escape.edi",
        "/inbox/../../escape2.edi",
        "/../other/outbox/SECRET.edi",
        "/outbox/../../other/outbox/SECRET.edi",
    }
    for expected in [
        ("open", "no folder 'etc'"),
        ("symlink", "links are not allowed"),
        ("link", "links are not allowed"),
        ("posix-rename", "files can only be renamed within inbox/"),  # OpenSSH prefers it
        ("read", "inbox/ is write-only"),
        ("write", "outbox/ is read-only; upload to inbox/"),
        ("mkdir", "folders cannot be created"),
        ("rmdir", "folders cannot be removed"),
    ]:
        assert expected in reasons, (expected, reasons)
    assert "no folder 'other'" in {reason for _, reason in reasons}  # sftp stops at lstat
    # Nothing escaped, nothing leaked, nothing was processed.
    assert leaks(tmp_path) == []
    assert tree_files(drop.root / "other") == before_other
    assert tree_files(drop.root / "acme") == ["inbox/held.edi.filepart", "outbox/ACK.edi"]
    assert sink.calls == []


async def test_a_symlink_planted_in_the_tree_is_not_followed(tmp_path: Path) -> None:
    both, key = accounts(tmp_path)
    async with running_drop(tmp_path / "srv", FakeSink(), both) as drop:
        os.symlink("/etc/hostname", drop.root / "acme" / "outbox" / "planted.edi")
        result = await run_sftp(
            drop.info.port, key, drop.known_hosts, ["-get /outbox/planted.edi got", "ls /outbox"],
            user="acme", workdir=tmp_path,
        )  # fmt: skip
    assert result.returncode == 0
    assert not (tmp_path / "got").exists()
    assert "planted.edi" not in result.stdout.decode().split("ls /outbox", 1)[1]


async def test_an_oversized_upload_fails_and_keeps_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="edge.sftp")
    both, key = accounts(tmp_path)  # max_file_size=4096
    (tmp_path / "big.edi").write_bytes(b"B" * 50_000)
    sink = FakeSink()
    events: list[DropEvent] = []
    async with running_drop(tmp_path / "srv", sink, both, observer=events.append) as drop:
        result = await run_sftp(
            drop.info.port, key, drop.known_hosts, ["put big.edi /inbox/big.edi"],
            user="acme", workdir=tmp_path,
        )  # fmt: skip
    assert result.returncode != 0
    assert [e.kind for e in events if e.kind == "too_large"] == ["too_large"]
    too_large = refusals(caplog, "sftp_upload_too_large")
    assert too_large == [{"partner": "acme", "file": "big.edi", "limit": 4096}]
    assert sink.calls == []
    assert tree_files(drop.root / "acme") == []


async def test_the_inbox_file_limit_refuses_one_more_upload(tmp_path: Path) -> None:
    make_key(tmp_path / "key")
    acme = DropAccount(
        partner="acme",
        username="acme",
        authorized_keys=(str(tmp_path / "key.pub"),),
        max_inbox_files=2,
    )
    (tmp_path / "x").write_bytes(b"x")
    async with running_drop(tmp_path / "srv", FakeSink(), [acme]) as drop:
        result = await run_sftp(
            drop.info.port,
            tmp_path / "key",
            drop.known_hosts,
            ["put x /inbox/a.tmp", "put x /inbox/b.tmp", "-put x /inbox/c.tmp", "rm /inbox/a.tmp",
             "put x /inbox/d.tmp"],
            user="acme",
            workdir=tmp_path,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    assert tree_files(drop.root / "acme") == ["inbox/b.tmp", "inbox/d.tmp"]


async def test_bad_logins_are_refused_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="edge.sftp")
    _, sftp = require_openssh()
    both, acme_key = accounts(tmp_path)
    stranger = tmp_path / "stranger_key"
    make_key(stranger, "stranger")
    askpass = tmp_path / "askpass"
    askpass.write_text("#!/bin/sh\necho hunter2-not-a-password\n")
    askpass.chmod(0o755)
    async with running_drop(tmp_path / "srv", FakeSink(), both) as drop:
        wrong_key = await run_sftp(
            drop.info.port, stranger, drop.known_hosts, ["ls"], user="acme", workdir=tmp_path
        )
        unknown_user = await run_sftp(
            drop.info.port, acme_key, drop.known_hosts, ["ls"], user="mallory", workdir=tmp_path
        )
        interactive = []
        for method in ("password", "keyboard-interactive"):
            env = dict(os.environ, SSH_ASKPASS=str(askpass), SSH_ASKPASS_REQUIRE="force")
            with trio.fail_after(HANG_GUARD):
                interactive.append(
                    await trio.run_process(
                        [sftp, "-P", str(drop.info.port),
                         "-o", "StrictHostKeyChecking=yes",
                         "-o", f"UserKnownHostsFile={drop.known_hosts}",
                         "-o", f"PreferredAuthentications={method}",
                         "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1",
                         "other@127.0.0.1"],
                        stdin=b"", env=env, capture_stdout=True, capture_stderr=True,
                        check=False,
                    )
                )  # fmt: skip
        good = await run_sftp(
            drop.info.port, acme_key, drop.known_hosts, ["ls"], user="acme", workdir=tmp_path
        )
    assert [p.returncode for p in (wrong_key, unknown_user, *interactive)] == [255] * 4
    assert good.returncode == 0
    refused = [
        (r.get("partner"), r["username"], r["reason"])
        for r in refusals(caplog, "sftp_login_refused")
    ]
    assert ("acme", "acme", "key not authorized") in refused
    assert (None, "mallory", "unknown user") in refused
    assert ("other", "other", "password authentication is not accepted; use a key") in refused
    assert (
        "other",
        "other",
        "keyboard-interactive authentication is not accepted; use a key",
    ) in refused
    logins = [r.crossdock_fields for r in caplog.records if r.msg == "sftp_login"]  # type: ignore[attr-defined]
    assert [(f["partner"], f["username"]) for f in logins] == [("acme", "acme")]
    assert "hunter2" not in caplog.text
