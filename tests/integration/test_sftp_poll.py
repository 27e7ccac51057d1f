"""Pollers and uploads against OpenSSH's ``sshd`` (started by the test, own config in tmp).

The partner's folders are absolute paths under ``tmp_path`` (no chroot; see
``test_sftp_support``). Time for the size-mtime rule is the ``now`` passed to ``poll_once``,
so "thirty seconds later" costs nothing.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from contracts.errors import TransientFailure
from edge.sftp import (
    HostKeyMismatch,
    PartnerServer,
    PollSettings,
    PollState,
    SftpAuthRefused,
    SftpUnreachable,
    StabilityRule,
    UploadConflict,
    fingerprint,
    load_client_key,
    open_partner_sftp,
    parse_host_key_pin,
    poll_once,
    temporary_name,
    upload,
)
from tests.integration.test_sftp_support import FakeSink, free_port, make_key, running_sshd


@dataclass
class Partner:
    server: PartnerServer
    out: Path  # where the partner puts files for us
    taken: Path  # the archive folder
    inbox: Path  # where we upload


@asynccontextmanager
async def partner_sshd(tmp_path: Path) -> AsyncIterator[Partner]:
    async with running_sshd(tmp_path / "sshd") as sshd:
        key = tmp_path / "our_key"
        sshd.authorized_keys.write_text(make_key(key, "crossdock") + "\n")
        folders = [tmp_path / "remote" / name for name in ("out", "taken", "in")]
        for folder in folders:
            folder.mkdir(parents=True)
        server = PartnerServer(
            partner="nw",
            host=sshd.host,
            port=sshd.port,
            username=sshd.user,
            client_key=load_client_key(str(key)),
            host_key=parse_host_key_pin(f"[{sshd.host}]:{sshd.port} {sshd.host_key_line}"),
            connect_timeout=10,
        )
        yield Partner(server, *folders)


def settings(partner: Partner, **rule: object) -> PollSettings:
    return PollSettings(
        server=partner.server,
        download_dir=str(partner.out),
        rule=StabilityRule(**rule),  # type: ignore[arg-type]
    )


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def test_size_mtime_takes_a_file_unchanged_across_two_polls(tmp_path: Path) -> None:
    async with partner_sshd(tmp_path) as partner:
        (partner.out / "846.x12").write_bytes(b"ISA*00*...~")
        (partner.out / "growing.csv").write_bytes(b"sku,qty\n")
        sink, state = FakeSink(), PollState()
        poll = settings(partner, kind="size-mtime", stable_for=30)
        first = await poll_once(poll, sink, state, now=100.0)
        assert first.taken == [] and sink.calls == []  # first sighting only starts the watch
        with (partner.out / "growing.csv").open("ab") as more:
            more.write(b"A1,5\n")
        too_soon = await poll_once(poll, sink, state, now=110.0)
        assert too_soon.taken == []
        later = await poll_once(poll, sink, state, now=130.0)
        assert later.taken == ["846.x12"]  # growing.csv changed at 110: watched from there
        last = await poll_once(poll, sink, state, now=140.0)
        assert last.taken == ["growing.csv"]
    assert sink.calls == [
        ("nw", "846.x12", b"ISA*00*...~", "sftp-poll"),
        ("nw", "growing.csv", b"sku,qty\nA1,5\n", "sftp-poll"),
    ]
    assert names(partner.out) == []  # deleted remotely once committed


async def test_done_file_rule_waits_for_the_marker_and_archives(tmp_path: Path) -> None:
    async with partner_sshd(tmp_path) as partner:
        (partner.out / "945.x12").write_bytes(b"945")
        (partner.out / "944.x12").write_bytes(b"944")
        (partner.out / "944.x12.ok").write_bytes(b"")
        sink, state = FakeSink(), PollState()
        poll = PollSettings(
            server=partner.server,
            download_dir=str(partner.out),
            archive_dir=str(partner.taken),
            rule=StabilityRule(kind="done-file"),
        )
        assert (await poll_once(poll, sink, state, now=0)).taken == ["944.x12"]
        (partner.out / "945.x12.done").write_bytes(b"")
        assert (await poll_once(poll, sink, state, now=0)).taken == ["945.x12"]
    assert sink.names() == ["944.x12", "945.x12"]
    assert names(partner.out) == []  # markers removed too
    assert names(partner.taken) == ["944.x12", "945.x12"]


async def test_rename_rule_takes_only_final_names(tmp_path: Path) -> None:
    async with partner_sshd(tmp_path) as partner:
        (partner.out / "PO1.edi").write_bytes(b"final")
        (partner.out / "PO2.edi.tmp").write_bytes(b"still writing")
        sink = FakeSink()
        report = await poll_once(
            settings(partner, kind="rename", pattern="*.edi"), sink, PollState(), now=0
        )
    assert report.taken == ["PO1.edi"] and sink.names() == ["PO1.edi"]
    assert names(partner.out) == ["PO2.edi.tmp"]


async def test_a_file_committed_before_a_crash_is_removed_as_a_duplicate(tmp_path: Path) -> None:
    async with partner_sshd(tmp_path) as partner:
        sink = FakeSink()
        await sink.file_closed("nw", "940.x12", b"940 body", channel="sftp-poll")  # the commit
        (partner.out / "940.x12").write_bytes(b"940 body")  # ...and the remote delete never ran
        report = await poll_once(
            settings(partner, kind="rename", pattern="*.x12"), sink, PollState(), now=0
        )
    assert report.duplicates == ["940.x12"] and report.taken == []
    assert names(partner.out) == []


async def test_a_rejected_file_stays_and_is_not_fetched_again(tmp_path: Path) -> None:
    async with partner_sshd(tmp_path) as partner:
        (partner.out / "junk.edi").write_bytes(b"junk")
        sink, state = FakeSink(), PollState()
        sink.reject.add("junk.edi")
        poll = settings(partner, kind="rename", pattern="*.edi")
        assert (await poll_once(poll, sink, state, now=0)).refused == ["junk.edi"]
        assert (await poll_once(poll, sink, state, now=1)).refused == []
    assert sink.names() == ["junk.edi"]
    assert names(partner.out) == ["junk.edi"]


async def test_a_changed_host_key_is_refused_naming_both_keys(tmp_path: Path) -> None:
    async with partner_sshd(tmp_path) as partner:
        other = make_key(tmp_path / "impostor")
        for pin in (other, fingerprint(parse_host_key_pin(other).blob or b"")):
            server = PartnerServer(
                partner="nw",
                host=partner.server.host,
                port=partner.server.port,
                username=partner.server.username,
                client_key=partner.server.client_key,
                host_key=parse_host_key_pin(pin),
            )
            with pytest.raises(HostKeyMismatch) as caught:
                async with open_partner_sftp(server):
                    pytest.fail("connected despite the wrong host key")
            assert isinstance(caught.value, TransientFailure)
            assert caught.value.expected == parse_host_key_pin(other).fingerprint
            assert caught.value.got == partner.server.host_key.fingerprint
        # ...while the right fingerprint alone is enough.
        by_fingerprint = PartnerServer(
            partner="nw",
            host=partner.server.host,
            port=partner.server.port,
            username=partner.server.username,
            client_key=partner.server.client_key,
            host_key=parse_host_key_pin(partner.server.host_key.fingerprint),
        )
        async with open_partner_sftp(by_fingerprint) as sftp:
            assert await sftp.list_files(str(partner.out)) == []


async def test_an_unreachable_server_is_a_transient_failure(tmp_path: Path) -> None:
    make_key(tmp_path / "key")
    server = PartnerServer(
        partner="nw",
        host="127.0.0.1",
        port=free_port(),  # nothing listens there
        username="crossdock",
        client_key=load_client_key(str(tmp_path / "key")),
        host_key=parse_host_key_pin("SHA256:" + "A" * 43),
        connect_timeout=5,
    )
    with pytest.raises(SftpUnreachable) as caught:
        async with open_partner_sftp(server):
            pytest.fail("connected to nothing")
    assert isinstance(caught.value, TransientFailure)
    assert caught.value.fields["partner"] == "nw" and "cannot reach 127.0.0.1:" in str(caught.value)


async def test_a_refused_key_is_a_transient_failure(tmp_path: Path) -> None:
    async with partner_sshd(tmp_path) as partner:
        make_key(tmp_path / "stranger")
        server = PartnerServer(
            partner="nw",
            host=partner.server.host,
            port=partner.server.port,
            username=partner.server.username,
            client_key=load_client_key(str(tmp_path / "stranger")),
            host_key=partner.server.host_key,
        )
        with pytest.raises(SftpAuthRefused):
            async with open_partner_sftp(server):
                pytest.fail("logged in with a stranger's key")


async def test_upload_renames_into_place_and_is_idempotent(tmp_path: Path) -> None:
    async with partner_sshd(tmp_path) as partner:
        data = b"ISA*00*940~" * 100
        first = await upload(partner.server, str(partner.inbox), "940-1.x12", data, "key-1")
        again = await upload(partner.server, str(partner.inbox), "940-1.x12", data, "key-1")
        with pytest.raises(UploadConflict) as caught:
            await upload(partner.server, str(partner.inbox), "940-1.x12", data + b"!", "key-2")
    assert (first.written, again.written) == (True, False)
    assert first.size == again.size == len(data)
    assert names(partner.inbox) == ["940-1.x12"]  # one copy, no temporary file left
    assert (partner.inbox / "940-1.x12").read_bytes() == data
    assert caught.value.fields["size"] == len(data)


async def test_upload_after_a_crash_overwrites_its_own_partial_file(tmp_path: Path) -> None:
    async with partner_sshd(tmp_path) as partner:
        data = os.urandom(300_000)
        partial = partner.inbox / temporary_name("940-2.x12", "key-2")
        partial.write_bytes(data[:1000])  # what a crash mid-write left behind
        result = await upload(partner.server, str(partner.inbox), "940-2.x12", data, "key-2")
    assert result.written
    assert names(partner.inbox) == ["940-2.x12"]
    assert (partner.inbox / "940-2.x12").read_bytes() == data
