"""The bench's load: small sales orders as a customer's EDI system writes them, and a paced
SFTP client that uploads them into the gateway's drop server and notes when each close
returned.

Every file is its own interchange with unique control numbers and a unique order number
(``PO-E00042`` for an EDIFACT ORDERS, ``PO-X00042`` for an X12 850), so none is a duplicate
and each must become exactly one ``sale.order`` whose ``client_order_ref`` is that number.
Both name the seeded products of ``crossdock odoo-sim``: line 1 the widget by GTIN (the
product's barcode), line 2 the gadget by SKU (its internal reference).

The client is the project's own (:func:`edge.sftp.open_partner_sftp`: asyncssh in the
trio-asyncio loop, the host key pinned). Uploads are scheduled open-loop: file ``i`` starts
at ``start + i / rate`` whether or not earlier uploads have finished, so a slow gateway shows
as latency, not as a politely lower offered rate (no coordinated omission); how late each
upload started is recorded too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import trio

from edge.sftp import (
    PartnerServer,
    PartnerSftp,
    RemoteFileError,
    SftpUnreachable,
    open_partner_sftp,
)

__all__ = [
    "EDIFACT",
    "WIDGET_GTIN",
    "X12",
    "BenchFile",
    "PartnerSpec",
    "Upload",
    "make_files",
    "orders_d96a",
    "purchase_order_850",
    "upload_paced",
]

WIDGET_GTIN = "4006381333931"  # crossdock odoo-sim's seed: sim.product_widget's barcode
GADGET_SKU = "GAD-002"  # sim.product_gadget's default_code
OUR_GLN = "4012345000009"
OUR_X12 = "CROSSDOCK"
EDIFACT = "ORDERS"
X12 = "850"


@dataclass(frozen=True)
class PartnerSpec:
    """One customer partner of the bench: its id (= res.partner.ref in Odoo) and format."""

    partner: str
    kind: str  # EDIFACT or X12
    sender_id: str  # UNB sender GLN or ISA06 id
    customer_xid: str  # the seeded res.partner whose ref the bench sets to ``partner``


@dataclass(frozen=True)
class BenchFile:
    index: int
    partner: str
    kind: str
    name: str
    order_number: str
    data: bytes


@dataclass
class Upload:
    """When one file's upload was due, started, and when its close returned (epoch s)."""

    file: BenchFile
    due: float
    started: float = math.nan
    closed: float = math.nan
    error: str | None = None


def orders_d96a(index: int, sender_gln: str) -> tuple[str, bytes]:
    """A two-line EDIFACT D.96A ORDERS, interchange ``E<index>``; returns (order no, bytes)."""
    order = f"PO-E{index:05d}"
    ref = f"E{index:09d}"
    text = (
        "UNA:+.? '"
        f"UNB+UNOC:3+{sender_gln}:14+{OUR_GLN}:14+240315:0930+{ref}++ORDERS'"
        "UNH+1+ORDERS:D:96A:UN:EAN008'"
        f"BGM+220+{order}+9'"
        "DTM+137:20240315:102'"
        f"NAD+BY+{sender_gln}::9'"
        f"NAD+SU+{OUR_GLN}::9'"
        f"LIN+1++{WIDGET_GTIN}:EN'"
        f"QTY+21:{1 + index % 7}'"
        "LIN+2'"
        f"PIA+5+{GADGET_SKU}:SA'"
        f"QTY+21:{1 + index % 3}'"
        "UNS+S'"
        "CNT+2:2'"
        "UNT+13+1'"
        f"UNZ+1+{ref}'"
    )
    return order, text.encode()


def purchase_order_850(index: int, sender_id: str) -> tuple[str, bytes]:
    """A two-line X12 004010 850, interchange ``index``; returns (order no, bytes)."""
    order = f"PO-X{index:05d}"
    control = f"{index + 1:09d}"
    segments = [
        f"ISA*00*          *00*          *ZZ*{sender_id:<15}*ZZ*{OUR_X12:<15}"
        f"*240315*0930*U*00401*{control}*0*P*>",
        f"GS*PO*{sender_id}*{OUR_X12}*20240315*0930*{index + 1}*X*004010",
        "ST*850*0001",
        f"BEG*00*SA*{order}**20240315",
        f"PO1*1*{1 + index % 7}*EA***EN*{WIDGET_GTIN}",
        f"PO1*2*{1 + index % 3}*EA***VP*{GADGET_SKU}",
        "CTT*2",
        "SE*6*0001",
        f"GE*1*{index + 1}",
        f"IEA*1*{control}",
    ]
    return order, ("~".join(segments) + "~").encode()


def make_files(count: int, partners: Sequence[PartnerSpec], mix: Sequence[int]) -> list[BenchFile]:
    """``count`` files, partners taken in turn by weight (``mix[k]`` for ``partners[k]``)."""
    cycle = [p for p, weight in zip(partners, mix, strict=True) for _ in range(weight)]
    if not cycle:
        raise ValueError("the mix gives every partner a weight of 0")
    files = []
    for i in range(count):
        spec = cycle[i % len(cycle)]
        if spec.kind == EDIFACT:
            order, data = orders_d96a(i, spec.sender_id)
            name = f"{order}.edi"
        else:
            order, data = purchase_order_850(i, spec.sender_id)
            name = f"{order}.x12"
        files.append(BenchFile(i, spec.partner, spec.kind, name, order, data))
    return files


async def upload_paced(
    servers: dict[str, PartnerServer], files: Sequence[BenchFile], rate: float
) -> list[Upload]:
    """Upload ``files`` to ``/inbox`` at ``rate`` files/s, one SSH connection per partner.

    A failed upload is recorded (``error``) rather than raised, so one refusal shows up as a
    lost file in the report instead of hiding every other measurement.
    """
    uploads = [Upload(f, due=math.nan) for f in files]
    async with trio.open_nursery() as outer:
        sessions: dict[str, PartnerSftp] = {}
        for partner, server in servers.items():
            sessions[partner] = await outer.start(_session, server)
        start_mono = trio.current_time() + 0.05
        start_wall = time.time() + 0.05
        async with trio.open_nursery() as nursery:
            for i, upload in enumerate(uploads):
                upload.due = start_wall + i / rate
                await trio.sleep_until(start_mono + i / rate)
                nursery.start_soon(_put, sessions[upload.file.partner], upload)
        outer.cancel_scope.cancel()
    return uploads


async def _session(
    server: PartnerServer, task_status: trio.TaskStatus[PartnerSftp] = trio.TASK_STATUS_IGNORED
) -> None:
    async with open_partner_sftp(server) as sftp:
        task_status.started(sftp)
        await trio.sleep_forever()


async def _put(sftp: PartnerSftp, upload: Upload) -> None:
    upload.started = time.time()
    try:
        await sftp.write_file(f"/inbox/{upload.file.name}", upload.file.data)
    except (RemoteFileError, SftpUnreachable) as exc:
        upload.error = str(exc)
        return
    upload.closed = time.time()
