"""Files/s and MB/s received through the SFTP drop server, from OpenSSH's ``sftp`` client.

Run by hand (not part of the test suite)::

    .venv/bin/python bench/sftp.py [--small 500] [--large 10] [--large-mb 10]

One ``sftp -b`` session per row uploads ``--small`` files of 2 KB, or ``--large`` files of
``--large-mb`` MB, all distinct (so none is a duplicate). Time is wall time around the whole
client run, SSH handshake included (a few milliseconds, constant per row). Rows:

- ``crossdock, store``: the drop server in this process with the gateway's real sink
  (``StoreFileSink`` on ``open_store`` in a temporary directory): each file is committed
  durably (``synchronous=FULL``) and archived before the client's close is answered.
- ``crossdock, null sink``: the same server with a sink that accepts at once: the cost of
  SSH, SFTP and the jail alone.
- ``OpenSSH sshd``: the reference, ``sshd`` with ``internal-sftp`` writing the same files
  (C, no processing, no commit).

Everything shares the machine with the client, so the figures are lower bounds of what a
dedicated server does; compare rows within one run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.integration's helpers

from edge.sftp import Accepted, DropAccount, Receipt
from gateway.sftp_intake import StoreFileSink
from gateway.store import open_store
from tests.integration.test_sftp_support import (
    FakeSink,
    known_hosts_file,
    make_key,
    run_sftp,
    running_drop,
    running_sshd,
)


class NullSink(FakeSink):
    async def file_closed(self, partner: str, name: str, data: bytes, *, channel: str) -> Receipt:
        self.calls.append((partner, name, b"", channel))
        return Accepted(inbound_id=len(self.calls))


def make_files(folder: Path, prefix: str, count: int, size: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    block = os.urandom(size)
    for i in range(count):
        name = f"{prefix}{i:05d}.edi"
        (folder / name).write_bytes(f"{i:08d}".encode() + block[8:])
        names.append(name)
    return names


async def upload(port: int, key: Path, known: Path, workdir: Path, user: str,
                 names: list[str], target: str) -> float:  # fmt: skip
    commands = [f"put {name} {target}/{name}" for name in names]
    start = time.perf_counter()
    result = await run_sftp(port, key, known, commands, user=user, workdir=workdir)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"sftp failed: {result.stderr.decode()}")
    return elapsed


async def crossdock_row(tmp: Path, files: Path, names: list[str], *, store: bool) -> float:
    key = tmp.parent / "key"
    account = DropAccount(
        partner="bench", username="bench", authorized_keys=(str(key) + ".pub",),
        max_file_size=1 << 30, max_inbox_files=10_000,
    )  # fmt: skip
    if not store:
        async with running_drop(tmp / "null", NullSink(), [account]) as drop:
            return await upload(
                drop.info.port, key, drop.known_hosts, files, "bench", names, "/inbox"
            )
    (tmp / "store").mkdir(parents=True, exist_ok=True)
    async with (
        open_store(tmp / "store" / "bench.sqlite3") as db,
        running_drop(tmp / "store", StoreFileSink(db), [account]) as drop,
    ):
        return await upload(drop.info.port, key, drop.known_hosts, files, "bench", names, "/inbox")


async def sshd_row(tmp: Path, files: Path, names: list[str]) -> float:
    async with running_sshd(tmp / "sshd") as sshd:
        sshd.authorized_keys.write_text((tmp.parent / "key.pub").read_text())
        target = tmp / "sshd-in"
        target.mkdir(exist_ok=True)
        known = known_hosts_file(tmp / "sshd_known", sshd.port, sshd.host_key_line)
        return await upload(
            sshd.port, tmp.parent / "key", known, files, sshd.user, names, str(target)
        )


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="crossdock-bench-") as name:
        tmp = Path(name)
        make_key(tmp / "key", "bench")
        workloads = [
            ("2 KB", make_files(tmp / "files", "s", args.small, 2048), 2048),
            (
                f"{args.large_mb} MB",
                make_files(tmp / "files", "L", args.large, args.large_mb << 20),
                args.large_mb << 20,
            ),
        ]
        print(f"sftp benchmark: {os.cpu_count()} CPUs, OpenSSH sftp client, loopback")
        print(f"{'server':<24}{'files':>8}{'size':>8}{'seconds':>10}{'files/s':>10}{'MB/s':>9}")
        files = tmp / "files"
        for label, names, size in workloads:
            here = tmp / label.replace(" ", "")
            rows = [
                ("crossdock, store", await crossdock_row(here, files, names, store=True)),
                ("crossdock, null sink", await crossdock_row(here, files, names, store=False)),
                ("OpenSSH sshd", await sshd_row(here, files, names)),
            ]
            for server, seconds in rows:
                mb = len(names) * size / 1e6
                print(
                    f"{server:<24}{len(names):>8}{label:>8}{seconds:>10.2f}"
                    f"{len(names) / seconds:>10.1f}{mb / seconds:>9.1f}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=500, help="number of 2 KB files")
    parser.add_argument("--large", type=int, default=10, help="number of large files")
    parser.add_argument("--large-mb", type=int, default=10, help="size of a large file, MB")
    trio.run(run, parser.parse_args())


if __name__ == "__main__":
    main()
