"""Invoice -> EDIFACT INVOIC (EANCOM, D96A and D01B). Outbound only.

Where the data goes (EDI_NOTES): BGM 380 (invoice) or 381 (credit note) with the invoice
number; DTM 137 the invoice date, DTM 13 the due date; RFF ON the order; NAD the parties;
CUX the currency. Each line: LIN / PIA / IMD the item, QTY 47 invoiced, MOA 203 the line
amount, PRI AAA the net unit price. After UNS: CNT 2 the line count, MOA 77 the invoice
total and MOA 79 the sum of the lines, then TAX + MOA 124 per tax line (rate in C243 5278,
category in 5305).
"""

from __future__ import annotations

from decimal import Decimal

from contracts import Invoice

from .._segment import Segment
from ._build import seg
from ._edifact import dtm, moa, number, qty, rff
from ._parties import nad_segments
from ._products import edifact_product_segments
from ._profile import MappingProfile

__all__ = ["invoice_to_invoic"]


def invoice_to_invoic(invoice: Invoice, profile: MappingProfile, release: str) -> list[Segment]:
    """The body of an INVOIC (UNH / UNT are added by the builder)."""
    body = [
        seg("BGM", "381" if invoice.credit_note else "380", invoice.invoice_number, "9"),
        dtm("137", invoice.invoice_date),
    ]
    if invoice.due_date is not None:
        body.append(dtm("13", invoice.due_date))
    if invoice.order_number:
        body.append(rff("ON", invoice.order_number))
    for party in invoice.parties:
        body += nad_segments(party, profile.edifact)
    body.append(seg("CUX", ["2", invoice.currency, "4"]))
    for line in invoice.lines:
        item, details = edifact_product_segments(line.product, profile, release)
        body += [seg("LIN", str(line.line_no), "", item), *details]
        body.append(qty("47", line.quantity, profile))
        body.append(moa("203", line.amount.amount, profile))
        body.append(seg("PRI", ["AAA", number(line.unit_price.amount, profile)]))
    body += [seg("UNS", "S"), seg("CNT", ["2", str(len(invoice.lines))])]
    body.append(moa("77", invoice.total.amount, profile))
    body.append(
        moa("79", sum((line.amount.amount for line in invoice.lines), start=Decimal(0)), profile)
    )
    for tax in invoice.taxes:
        body.append(
            seg("TAX", "7", ["VAT"], "", "", ["", "", "", number(tax.rate, profile)], tax.category)
        )
        body.append(moa("124", tax.amount.amount, profile))
    return body
