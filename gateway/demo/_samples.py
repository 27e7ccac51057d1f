"""The sample documents the demo plays, written for the simulator's seeded Odoo.

Products are the simulator's seed (``edge.odoo.simulator.DEMO_PRODUCTS``): the widget
(``WID-001``, GTIN 4006381333931), the gadget (``GAD-002``) and the gizmo (``GIZ-003``). The
customer order is ``PO-4711``; ``PO-1001`` is our purchase order the X12 3PL receives goods
for. Answers to what the gateway sends (945, shipment CSV) are built from what it sent, so
they name the gateway's own request numbers.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

__all__ = [
    "CUSTOMER_ORDER",
    "MARKETPLACE_ORDER",
    "PURCHASE_ORDER",
    "csv_shipment",
    "edifact_orders",
    "marketplace_order",
    "x12_945",
    "x12_receipt_944",
    "x12_snapshot_846",
]

CUSTOMER_ORDER = "PO-4711"
MARKETPLACE_ORDER = "SF-20001"
PURCHASE_ORDER = "PO-1001"
WIDGET_GTIN = "4006381333931"


def edifact_orders(order_number: str = CUSTOMER_ORDER, control: str = "DEMO0001") -> bytes:
    """An EDIFACT D.96A ORDERS from the customer: 48 widgets by GTIN, 3 gadgets by SKU."""
    return (
        "UNA:+.? '"
        f"UNB+UNOC:3+5412345000013:14+4012345000009:14+240315:0930+{control}++ORDERS'"
        "UNH+1+ORDERS:D:96A:UN:EAN008'"
        f"BGM+220+{order_number}+9'"
        "DTM+137:20240315:102'"
        "NAD+BY+5412345000013::9++ACME RETAIL NV+Rue Royale 1+Bruxelles++1000+BE'"
        "NAD+SU+4012345000009::9'"
        "CUX+2:EUR:9'"
        f"LIN+1++{WIDGET_GTIN}:EN'"
        "QTY+21:48'"
        "LIN+2'"
        "PIA+5+GAD-002:SA'"
        "QTY+21:3'"
        "UNS+S'"
        "CNT+2:2'"
        "UNT+14+1'"
        f"UNZ+1+{control}'"
    ).encode()


def marketplace_order(order_number: str = MARKETPLACE_ORDER) -> bytes:
    """The marketplace's webhook body: a canonical sales order as JSON (2 gizmos, 1 widget)."""
    order = {
        "type": "sales_order",
        "order_number": order_number,
        "order_date": datetime.now(UTC).date().isoformat(),
        "currency": "EUR",
        "parties": [{"role": "buyer", "ids": [{"scheme": "partner", "value": "shopfront"}]}],
        "lines": [
            {"line_no": 1, "product": {"sku": "GIZ-003"}, "quantity": {"value": "2"}},
            {"line_no": 2, "product": {"sku": "WID-001"}, "quantity": {"value": "1"}},
        ],
    }
    return json.dumps(order, separators=(",", ":")).encode()


def _x12(kind: str, control: int, body: list[str]) -> bytes:
    """An X12 004010 interchange from the X12 3PL (NORTH3PL) to us (CROSSDOCK)."""
    now = datetime.now(UTC)
    isa = (
        f"ISA*00*          *00*          *ZZ*{'NORTH3PL':<15}*ZZ*{'CROSSDOCK':<15}"
        f"*{now:%y%m%d}*{now:%H%M}*U*00401*{control:09d}*0*P*>"
    )
    segments = [
        isa,
        f"GS*{kind}*NORTH3PL*CROSSDOCK*{now:%Y%m%d}*{now:%H%M}*{control}*X*004010",
        "ST*" + {"SW": "945", "RE": "944", "IB": "846"}[kind] + "*0001",
        *body,
        f"SE*{len(body) + 2}*0001",
        f"GE*1*{control}",
        f"IEA*1*{control:09d}",
    ]
    return ("~\n".join(segments) + "~\n").encode()


def x12_945(
    request: str, order: str, lines: list[tuple[str, float, float]], *, control: int
) -> bytes:
    """A 945 shipping advice answering fulfillment request ``request``.

    ``lines``: (sku, ordered, shipped); a line shipped short leaves a backorder in Odoo.
    """
    today = datetime.now(UTC)
    body = [
        f"W06*F*{request}*{today:%Y%m%d}*SHP-{control}**{order}",
        "N1*WH*NORTH 3PL*91*WH",
        "N9*CN*1Z999AA10123456784",
        f"G62*11*{today:%Y%m%d}",
        "W27*M*UPSN*UPS GROUND",
    ]
    for i, (sku, ordered, shipped) in enumerate(lines, start=1):
        code = "CC" if shipped >= ordered else "PR"
        short = f"{ordered - shipped:g}" if shipped < ordered else ""
        body += [f"LX*{i}", f"W12*{code}*{ordered:g}*{shipped:g}*{short}*EA**VN*{sku}"]
    body.append(f"W03*{sum(s for _, _, s in lines):g}*10*LB")
    return _x12("SW", control, body)


def x12_receipt_944(
    *, control: int, order: str = PURCHASE_ORDER, receipt: str | None = None
) -> bytes:
    """A 944 receipt against the simulator's seeded ``PO-1001`` (50 WID-001, 20 GAD-002):
    every widget and 16 gadgets arrived, so Odoo keeps a backorder for the rest.
    ``receipt``: the receipt number (default ``RCPT-<control>``; the same number in another
    interchange is the same receipt re-sent)."""
    today = datetime.now(UTC)
    body = [
        f"W17*F*{today:%Y%m%d}*{receipt or f'RCPT-{control}'}*{order}",
        "N1*WH*NORTH 3PL*91*WH",
        "W07*50*EA**VN*WID-001",
        "W07*16*EA**VN*GAD-002",
        "W14*66",
    ]
    return _x12("RE", control, body)


def x12_snapshot_846(*, control: int) -> bytes:
    """An 846 inventory snapshot of warehouse WH: what the X12 3PL counted on hand."""
    now = datetime.now(UTC)
    body = [f"BIA*00*DD*INV-{control}*{now:%Y%m%d}*{now:%H%M}", "N1*WH*NORTH 3PL*91*WH"]
    counted = (("WID-001", 90), ("GAD-002", 38), ("GIZ-003", 260))
    for i, (sku, on_hand) in enumerate(counted, start=1):
        body += [f"LIN*{i}*VP*{sku}", f"QTY*17*{on_hand}*EA"]
    body.append(f"CTT*{len(counted)}")
    return _x12("IB", control, body)


def csv_shipment(request: str, lines: list[tuple[str, float, float]], *, shipment: str) -> bytes:
    """The CSV 3PL's shipment confirmation (layout ``shipments``) answering ``request``: its
    ``order`` column echoes our request number, as the 3PL agreed."""
    today = datetime.now(UTC).date().isoformat()
    rows = ["shipment,order,ship_date,tracking,line,sku,shipped,ordered"]
    for i, (sku, ordered, shipped) in enumerate(lines, start=1):
        rows.append(
            f"{shipment},{request},{today},7946000{i:03d},{i},{sku},{shipped:g},{ordered:g}"
        )
    return ("\r\n".join(rows) + "\r\n").encode()
