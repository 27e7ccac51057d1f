"""Product references, both ways: EDIFACT LIN / PIA / IMD and X12 qualifier-id pairs.

Which identifier a code names comes from the profile's ``item`` table (``EN`` / ``SRV`` /
``UP`` are GTINs, ``SA`` / ``VP`` the supplier's article, ``IN`` / ``BP`` the buyer's...), and
which of them carries our SKU from ``profile.sku_from``. An identifier sent twice with two
different values is refused rather than one of them chosen.

Outbound, the GTIN goes where each release expects it: ``EN`` in EANCOM D96A, ``SRV`` in
D01B; X12 writes ``UP`` for 12 digits, ``UK`` for 14 and ``EN`` otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from contracts import ProductRef
from contracts.errors import RejectedInput

from .._segment import Segment
from ._build import seg
from ._errors import INVALID, MISSING, NOT_SUPPORTED, mapping_error, where
from ._profile import MappingProfile, SkuSource
from ._reader import Reader
from ._values import join_text, wrap_text

__all__ = [
    "ProductIds",
    "edifact_item",
    "edifact_product_segments",
    "outbound_ids",
    "x12_id_pairs",
    "x12_pairs",
]

_GTIN = re.compile(r"\d{8}|\d{12}|\d{13}|\d{14}")


class ProductIds:
    """Collects the identifiers of one line as they are read, then makes its ProductRef."""

    def __init__(self, reader: Reader, anchor: Segment) -> None:
        self._reader = reader
        self._anchor = anchor
        self._ids: dict[str, str] = {}
        self._descriptions: list[str] = []

    def add(
        self, qualifier_at: tuple[int, int], value_at: tuple[int, int], segment: Segment
    ) -> None:
        """One qualifier / identifier pair at those (element, component) positions."""
        reader = self._reader
        value = reader.text(segment, *value_at)
        if value is None:
            return
        qualifier = segment.value(*qualifier_at).strip()
        kind = reader.meaning("item", qualifier, segment, *qualifier_at, "product id qualifier")
        if not reader.ignored(kind):
            self._store(kind, value, value_at, segment)

    def put(self, kind: str, value_at: tuple[int, int], segment: Segment) -> None:
        """An identifier whose kind the position implies (X12 ``U.P.C. case code`` elements)."""
        value = self._reader.text(segment, *value_at)
        if value is not None:
            self._store(kind, value, value_at, segment)

    def _store(self, kind: str, value: str, value_at: tuple[int, int], segment: Segment) -> None:
        """``value`` (read once by the caller: every line reads several) as identifier ``kind``."""
        reader = self._reader
        if kind == "gtin" and _GTIN.fullmatch(value) is None:
            raise reader.error(
                f"GTIN {value!r} in {where(segment, *value_at)} is not 8, 12, 13 or 14 digits",
                segment,
                *value_at,
                value=value,
            )
        value = reader.code_of(value, segment, *value_at, kind.replace("_", " "))
        known = self._ids.get(kind)
        if known is not None and known != value:
            raise reader.error(
                f"two different {kind.replace('_', ' ')}s for one line: {known!r} and {value!r} "
                f"in {where(segment, *value_at)}",
                segment,
                *value_at,
                value=value,
            )
        self._ids[kind] = value

    def describe(self, text: str | None) -> None:
        if text:
            self._descriptions.append(text)

    def product(self) -> ProductRef:
        ids = self._ids
        if not ids:
            raise mapping_error(
                f"{self._reader.message_type}: line has no product identifier the profile knows "
                f"(after {self._anchor.tag})",
                self._anchor,
                code=MISSING,
                expected="product identifier",
            )
        source = self._reader.profile.sku_from
        sku = None if source is SkuSource.NONE else ids.get(source.value)
        return ProductRef(
            sku=sku,
            gtin=ids.get("gtin"),
            supplier_item=ids.get("supplier_item"),
            buyer_item=ids.get("buyer_item"),
            description=join_text(self._descriptions),
        )


def edifact_item(reader: Reader, ids: ProductIds, segments: Sequence[Segment]) -> None:
    """Read a line's LIN C212, PIA (five C212 each) and IMD descriptions into ``ids``."""
    for segment in segments:
        if segment.tag == "LIN":
            ids.add((2, 1), (2, 0), segment)
        elif segment.tag == "PIA":
            for element in range(1, 6):
                ids.add((element, 1), (element, 0), segment)
        elif segment.tag == "IMD":
            # C273: 7009 code, 1131, 3055, 7008 text, 7008 text
            ids.describe(join_text([segment.value(2, 3), segment.value(2, 4)]))


def outbound_ids(product: ProductRef, profile: MappingProfile) -> dict[str, str]:
    """The identifiers to write for ``product``: the SKU goes where the partner expects it
    unless that identifier is already there."""
    ids = {
        kind: value
        for kind, value in (
            ("gtin", product.gtin),
            ("supplier_item", product.supplier_item),
            ("buyer_item", product.buyer_item),
        )
        if value
    }
    if product.sku:
        target = "supplier_item" if profile.sku_from is SkuSource.NONE else profile.sku_from.value
        ids.setdefault(target, product.sku)
    return ids


def _qualifier(reader_tables: dict[str, str], kind: str, syntax: str) -> str:
    code = next((c for c, meaning in reader_tables.items() if meaning == kind and c), None)
    if code is None:
        raise RejectedInput(
            f"no {syntax} product id qualifier means {kind!r} in the partner's profile",
            code=NOT_SUPPORTED,
            path=f"$.{kind}",
        )
    return code


def edifact_product_segments(
    product: ProductRef, profile: MappingProfile, release: str
) -> tuple[list[str], list[Segment]]:
    """The LIN C212 (GTIN, empty when there is none) and the PIA / IMD segments."""
    ids = outbound_ids(product, profile)
    gtin = ids.get("gtin")
    item = [gtin, "SRV" if release == "01B" else "EN"] if gtin else []
    table = profile.edifact.item
    pairs = [
        [ids[kind], _qualifier(table, kind, "EDIFACT")]
        for kind in ("supplier_item", "buyer_item")
        if kind in ids
    ]
    segments = [seg("PIA", "5", *pairs)] if pairs else []
    if product.description:
        for piece in _pairs(wrap_text(product.description, 35)):
            segments.append(seg("IMD", "F", "", ["", "", "", *piece]))
    return item, segments


def _pairs(pieces: list[str]) -> list[list[str]]:
    return [pieces[i : i + 2] for i in range(0, len(pieces), 2)]


def x12_id_pairs(product: ProductRef, profile: MappingProfile) -> list[str]:
    """``qualifier, id, qualifier, id...`` for PO1 / LIN / IT1 / W01 (GTIN first)."""
    ids = outbound_ids(product, profile)
    out: list[str] = []
    gtin = ids.get("gtin")
    if gtin:
        out += ["UP" if len(gtin) == 12 else "UK" if len(gtin) == 14 else "EN", gtin]
    table = profile.x12.item
    for kind in ("supplier_item", "buyer_item"):
        if kind in ids:
            out += [_qualifier(table, kind, "X12"), ids[kind]]
    if not out:
        raise RejectedInput("a line has no product identifier", code=INVALID, path="$.product")
    return out


def x12_pairs(reader: Reader, ids: ProductIds, segment: Segment, first: int, last: int) -> None:
    """Read the qualifier / id pairs of elements ``first`` up to ``last`` (0-based, ``last``
    excluded): ``PO106``/``PO107``... is ``x12_pairs(reader, ids, po1, 5, len(elements))``."""
    for element in range(first, last, 2):
        ids.add((element, 0), (element + 1, 0), segment)
