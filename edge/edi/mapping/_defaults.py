"""The default code tables: EANCOM usage for EDIFACT, common retail / 3PL usage for X12.

Every table maps a partner's code to its canonical meaning. A code that is not in the table is
refused with its position (``unknown code``), never given a default meaning: a partner whose
codes differ gets entries in its configuration (``[partners.mapping]``), not a code change.
The special value ``ignore`` says "a known code whose data crossdock does not carry"; it is
given only where the data is informational (a batch number, a consumer-unit count).

Sources: EDI_NOTES.md ("Messages and where the data sits"), the EANCOM 1997 / 2002 code
lists (1229, 6063, 3035, 3055, 7143) and the X12 element code lists (98, 66, 235, 673, 587,
668, 181, 1293), as distributors and 3PLs use them.
"""

from __future__ import annotations

__all__ = ["EDIFACT_TABLES", "TABLE_NAMES", "UNITS", "X12_TABLES"]

IGNORE = "ignore"

TABLE_NAMES = (
    "party",
    "agency",
    "reference",
    "item",
    "quantity",
    "stock",
    "function",
    "ack_status",
    "line_status",
    "return_reason",
    "adjustment_reason",
    "ship_status",
    "price",
    "units_out",
)
"""The tables every syntax has; ``edifact.<name>`` and ``x12.<name>`` in configuration."""

EDIFACT_TABLES: dict[str, dict[str, str]] = {
    # NAD 3035 -> PartyRole
    "party": {
        "BY": "buyer",
        "SU": "supplier",
        "DP": "ship_to",
        "ST": "ship_to",
        "IV": "invoicee",
        "BT": "bill_to",
        "SH": "ship_from",
        "SF": "ship_from",
        "WH": "warehouse",
        "GY": "warehouse",
        "CA": "carrier",
        "SE": "seller",
        "UC": IGNORE,
        "MF": IGNORE,
    },
    # C082 3055 (code list responsible agency) -> PartyId scheme; "" = no agency sent
    "agency": {
        "9": "gln",
        "16": "duns",
        "91": "supplier_assigned",
        "92": "buyer_assigned",
        "": "partner",
    },
    # RFF 1153 -> reference name; qualifiers not listed keep their code as the name
    "reference": {
        "ON": "order",
        "CT": "contract",
        "DQ": "delivery_note",
        "AAK": "despatch_advice",
        "IV": "invoice",
        "BM": "bill_of_lading",
        "CN": "tracking",
        "PK": "packing_list",
        "VN": "supplier_order",
        "PD": "promotion",
    },
    # LIN / PIA C212 7143 -> which product identifier
    "item": {
        "EN": "gtin",
        "SRV": "gtin",
        "UP": "gtin",
        "SA": "supplier_item",
        "IN": "buyer_item",
        "BP": "buyer_item",
        "NB": IGNORE,
        "SN": IGNORE,
    },
    # QTY 6063 -> the quantity's role in its message
    "quantity": {
        "21": "ordered",
        "12": "despatched",
        "113": "confirmed",
        "83": "backordered",
        "47": "invoiced",
        "48": "received",
        "194": "accepted",
        "195": "rejected",
        "61": "returned",
        "46": IGNORE,
        "59": IGNORE,
        "52": IGNORE,
        "192": IGNORE,
    },
    # INVRPT QTY 6063 -> InventoryLine field
    "stock": {
        "145": "on_hand",
        "124": "damaged",
        "66": "reserved",
        "146": IGNORE,
        "97": IGNORE,
        "98": IGNORE,
        "197": IGNORE,
        "198": IGNORE,
    },
    # BGM 1225 (orders, despatch, receipt, returns) -> DocumentFunction
    "function": {"9": "original", "5": "replace", "1": "cancel", "3": "cancel"},
    # ORDRSP BGM 1225 -> LineStatus of the whole response
    "ack_status": {"29": "accepted", "4": "changed", "27": "rejected"},
    # ORDRSP LIN 1229 -> LineStatus (a QTY 83 backorder quantity makes a line backordered)
    "line_status": {
        "5": "accepted",
        "3": "changed",
        "6": "changed",
        "24": "changed",
        "7": "rejected",
        "2": "rejected",
    },
    # RETANN FTX+RTI coded text (C107 4441) -> canonical return reason
    "return_reason": {
        "DA": "damaged",
        "DT": "damaged_in_transit",
        "DF": "defective",
        "WG": "wrong_item",
        "EX": "excess_stock",
        "EX1": "expired",
        "RC": "recall",
    },
    "adjustment_reason": {},
    "ship_status": {},
    # PRI C509 5125 -> which price is the unit price ("net") or ignored
    "price": {"AAA": "net", "AAB": IGNORE, "INV": IGNORE},
    # canonical unit -> the unit written in outbound EDIFACT (UN/ECE Rec. 20); others as is
    "units_out": {"KG": "KGM", "LB": "LBR", "L": "LTR", "M": "MTR", "DZ": "DZN", "CA": "CS"},
}

X12_TABLES: dict[str, dict[str, str]] = {
    # N101 (98) -> PartyRole
    "party": {
        "BY": "buyer",
        "SU": "supplier",
        "VN": "supplier",
        "ST": "ship_to",
        "BT": "bill_to",
        "SF": "ship_from",
        "SH": "ship_from",
        "WH": "warehouse",
        "CA": "carrier",
        "SE": "seller",
        "RE": IGNORE,
        "MF": IGNORE,
    },
    # N103 (66) -> PartyId scheme
    "agency": {
        "UL": "gln",
        "1": "duns",
        "9": "duns4",
        "15": "san",
        "91": "supplier_assigned",
        "92": "buyer_assigned",
        "ZZ": "mutually_defined",
    },
    # REF01 / N901 (128) -> reference name; others keep their code
    "reference": {
        "PO": "order",
        "CO": "customer_order",
        "CT": "contract",
        "DP": "department",
        "IA": "vendor_number",
        "BM": "bill_of_lading",
        "CN": "tracking",
        "PK": "packing_list",
        "IV": "invoice",
        "RZ": "return_authorization",
        "VN": "supplier_order",
    },
    # product / service id qualifier (235) -> which product identifier
    "item": {
        "UP": "gtin",
        "UK": "gtin",
        "EN": "gtin",
        "UA": "gtin",
        "VP": "supplier_item",
        "VN": "supplier_item",
        "BP": "buyer_item",
        "IN": "buyer_item",
        "PI": "buyer_item",
        "CB": "buyer_item",
        "LT": IGNORE,
    },
    "quantity": {},
    # 846 QTY01 (673) -> InventoryLine field
    "stock": {
        "33": "available",
        "17": "on_hand",
        "QH": "reserved",
        "74": "damaged",
        "QA": IGNORE,
    },
    # BEG01 / BSN01 / W0501 transaction set purpose (353) -> DocumentFunction
    "function": {"00": "original", "05": "replace", "01": "cancel", "03": "cancel"},
    # BAK02 acknowledgment type (587) -> LineStatus of the whole acknowledgement
    "ack_status": {
        "AD": "accepted",
        "AC": "changed",
        "RJ": "rejected",
        "AK": "accepted",
        "AT": "accepted",
        "AE": "changed",
        "RD": "rejected",
    },
    # ACK01 line item status (668) -> LineStatus
    "line_status": {
        "IA": "accepted",
        "IB": "backordered",
        "IR": "rejected",
        "IC": "changed",
        "AC": "accepted",
        "IQ": "changed",
        "IP": "changed",
        "DR": "changed",
        "IS": "changed",
        "ID": "rejected",
    },
    # 180 RDR02 return request reason (1293) -> canonical return reason
    "return_reason": {
        "DA": "damaged",
        "DT": "damaged_in_transit",
        "DM": "defective",
        "DR": "defective",
        "DP": "damaged_packaging",
        "WG": "wrong_item",
        "CO": "ordering_error",
        "EI": "excess_stock",
        "PR": "recall",
        "RE": "recall",
        "SD": "short_dated",
        "BC": "expired",
        "NA": "not_as_expected",
        "SR": "stock_reduction",
    },
    # 947 W1901 adjustment reason (181) -> canonical name (validated; not carried yet)
    "adjustment_reason": {
        "AA": "physical_count",
        "AB": "accounting_error",
        "AH": "other",
        "AK": "transfer",
        "AU": "damaged_in_facility",
        "AV": "damaged_in_transit",
        "AW": "recall",
        "AX": "shelf_life",
        "AY": "receipt_error",
        "AR": "shipment_error",
        "04": "receipt_short",
        "05": "on_hold",
        "07": "destroyed",
        "53": "shipment_short",
        "55": "off_hold",
        "56": "book_increase",
    },
    # 945 W1201 shipment / order status (368) -> complete | partial
    "ship_status": {
        "CC": "complete",
        "CL": "complete",
        "SH": "complete",
        "PR": "partial",
        "CP": "partial",
    },
    # PO105 / IT105 basis of unit price (639): which are a unit price
    "price": {"PE": "net", "NT": "net", "CP": "net", "EA": "net", "": "net"},
    # canonical unit -> the unit written in outbound X12 (355); others as is
    "units_out": {"L": "LT", "M": "MR"},
}

UNITS: dict[str, str] = {
    # partner unit (UN/ECE Rec. 20 or X12 355) -> canonical unit
    "EA": "EA",
    "PCE": "EA",
    "C62": "EA",
    "H87": "EA",
    "PC": "EA",
    "CA": "CA",
    "CS": "CA",
    "PK": "PK",
    "PA": "PK",
    "DZ": "DZ",
    "DZN": "DZ",
    "KG": "KG",
    "KGM": "KG",
    "LB": "LB",
    "LBR": "LB",
    "L": "L",
    "LT": "L",
    "LTR": "L",
    "M": "M",
    "MR": "M",
    "MTR": "M",
}
