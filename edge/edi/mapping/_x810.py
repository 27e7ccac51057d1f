"""Invoice -> X12 810 (004010 / 005010). Outbound only.

Where the data goes (EDI_NOTES): BIG01 the invoice date, 02 the invoice number, 04 the PO
number, 07 ``CR`` for a credit memo; CUR the currency; N1 loops the parties; ITD06 the net
due date. Each IT1: 01 the line number, 02 the quantity, 03 the unit, 04 the unit price,
06.. qualifier / id pairs; PID the description. TDS01 the total in cents (N2, implied
decimals), TXI per tax line (01 the tax type: ``VA`` for a VAT category, else the category
itself; 02 the amount, 03 the percent), CTT01 the line count.
"""

from __future__ import annotations

from contracts import Invoice

from .._segment import Segment
from ._build import seg
from ._parties import n1_segments
from ._products import x12_id_pairs
from ._profile import MappingProfile
from ._values import format_date, format_implied
from ._x12 import num, pid_segments

__all__ = ["invoice_to_810"]

_VAT_CATEGORIES = frozenset({"S", "Z", "E", "AE", "K", "G", "O", "L", "M", "AA", "AB", "H"})
"""UNCL 5305 VAT categories: a tax line in one of them is value added tax (TXI01 ``VA``);
any other category is taken to be an X12 tax type code already (``ST``, ``LS``...)."""


def invoice_to_810(invoice: Invoice, profile: MappingProfile) -> list[Segment]:
    """The body of an 810 (ST / SE are added by the builder)."""
    body = [
        seg(
            "BIG",
            format_date(invoice.invoice_date),
            invoice.invoice_number,
            "",
            invoice.order_number or "",
            "",
            "",
            "CR" if invoice.credit_note else "",
        ),
        seg("CUR", "SE", invoice.currency),
    ]
    for party in invoice.parties:
        body += n1_segments(party, profile.x12)
    if invoice.due_date is not None:
        body.append(seg("ITD", "01", "3", "", "", "", format_date(invoice.due_date)))
    for line in invoice.lines:
        body.append(
            seg(
                "IT1",
                str(line.line_no),
                num(line.quantity.value),
                profile.x12.unit_out(line.quantity.unit),
                num(line.unit_price.amount),
                "",
                *x12_id_pairs(line.product, profile),
            )
        )
        body += pid_segments(line.product.description)
    body.append(seg("TDS", format_implied(invoice.total.amount)))
    for tax in invoice.taxes:
        kind = "VA" if tax.category in _VAT_CATEGORIES else tax.category
        body.append(seg("TXI", kind, num(tax.amount.amount), num(tax.rate)))
    body.append(seg("CTT", str(len(invoice.lines))))
    return body
