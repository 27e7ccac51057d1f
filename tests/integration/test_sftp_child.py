"""A child process for ``test_sftp_kill``: one poll or one upload, halting at a checkpoint.

Run as ``python -m tests.integration.test_sftp_child '<json spec>'``. It prints one line per
checkpoint (``<step> <file>``) and, when the step is the spec's ``stop_at``, stays there until
the parent SIGKILLs it -- so the kill lands at an exact point, without timing. A run that is
not stopped prints ``done <json report>``. It has no tests of its own (its name is the only
kind of file this part of the suite may add).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import trio

from edge.sftp import (
    PartnerServer,
    PollSettings,
    PollState,
    StabilityRule,
    load_client_key,
    parse_host_key_pin,
    poll_once,
    upload,
)
from gateway.sftp_intake import StoreFileSink
from gateway.store import open_store


def read(path: str) -> bytes:
    return Path(path).read_bytes()


async def run(spec: dict[str, Any]) -> None:
    server = PartnerServer(
        partner=spec["partner"],
        host="127.0.0.1",
        port=spec["port"],
        username=spec["user"],
        client_key=load_client_key(spec["key"]),
        host_key=parse_host_key_pin(spec["pin"]),
    )

    async def checkpoint(step: str, name: str) -> None:
        print(f"{step} {name}", flush=True)
        if f"{step} {name}" == spec.get("stop_at"):
            await trio.sleep_forever()

    if spec["mode"] == "poll":
        settings = PollSettings(
            server=server,
            download_dir=spec["folder"],
            rule=StabilityRule(kind="rename", pattern="*.edi"),
        )
        async with open_store(spec["db"]) as store:
            report = await poll_once(
                settings, StoreFileSink(store), PollState(), now=0.0, checkpoint=checkpoint
            )
        print("done", json.dumps({"taken": report.taken, "duplicates": report.duplicates}))
    else:
        data = read(spec["data"])
        result = await upload(
            server, spec["folder"], spec["name"], data, spec["idempotency_key"],
            checkpoint=checkpoint,
        )  # fmt: skip
        print("done", json.dumps({"written": result.written, "size": result.size}))


if __name__ == "__main__":
    trio.run(run, json.loads(sys.argv[1]))
