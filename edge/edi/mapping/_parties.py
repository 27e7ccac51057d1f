"""Parties, both ways: EDIFACT NAD (+ CTA / COM) and X12 N1 loops (N1 / N2 / N3 / N4 / PER).

A party's role comes from the profile's ``party`` table (``ignore`` drops the party), its
identifier scheme from the ``agency`` table (EDIFACT C082 3055, X12 N103). Names and streets
longer than a segment allows are wrapped over components / segments at spaces and joined
back with single spaces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from contracts import Address, Party, PartyId, PartyRole
from contracts.errors import RejectedInput

from .._segment import Segment
from ._build import seg
from ._errors import INVALID, NOT_SUPPORTED
from ._profile import CodeTables
from ._reader import Reader
from ._values import join_text, wrap_text

__all__ = ["edifact_parties", "n1_segments", "nad_segments", "x12_parties"]

_COUNTRY = re.compile(r"[A-Z]{2}")
_NAD_CONTEXT = frozenset({"NAD", "LOC", "RFF", "DTM", "CTA", "COM"})
_N1_CONTEXT = frozenset({"N1", "N2", "N3", "N4", "PER", "REF"})


class _Draft:
    def __init__(self, role: PartyRole) -> None:
        self.role = role
        self.ids: list[PartyId] = []
        self.names: list[str] = []
        self.street: list[str] = []
        self.city: str | None = None
        self.postal: str | None = None
        self.region: str | None = None
        self.country: str | None = None
        self.email: str | None = None
        self.phone: str | None = None

    def party(self) -> Party:
        address = None
        if self.street or self.city or self.postal or self.region or self.country:
            address = Address(
                street=self.street,
                city=self.city,
                postal_code=self.postal,
                region=self.region,
                country=self.country,
            )
        return Party(
            role=self.role,
            ids=self.ids,
            name=join_text(self.names),
            address=address,
            email=self.email,
            phone=self.phone,
        )


def _country(reader: Reader, segment: Segment, element: int) -> str | None:
    value = reader.text(segment, element)
    if value is not None and _COUNTRY.fullmatch(value) is None:
        raise reader.error(
            f"country {value!r} in {segment.tag} element {element + 1} is not ISO 3166 alpha-2",
            segment,
            element,
            value=value,
        )
    return value


def _party_id(
    reader: Reader, segment: Segment, id_at: tuple[int, int], agency_at: tuple[int, int]
) -> PartyId | None:
    value = reader.text(segment, *id_at)
    if value is None:
        return None
    agency = segment.value(*agency_at).strip()
    scheme = reader.meaning("agency", agency, segment, *agency_at, "party id agency")
    return PartyId(scheme=scheme, value=value)


def _role(reader: Reader, segment: Segment) -> PartyRole | None:
    code = segment.value(0).strip()
    meaning = reader.meaning("party", code, segment, 0, 0, "party qualifier")
    return None if reader.ignored(meaning) else PartyRole(meaning)


def edifact_parties(reader: Reader, segments: Sequence[Segment]) -> list[Party]:
    """Every NAD among ``segments`` with the CTA / COM contacts that follow it."""
    parties: list[Party] = []
    draft: _Draft | None = None
    skipping = False
    for segment in segments:
        if segment.tag == "NAD":
            if draft is not None:
                parties.append(draft.party())
            role = _role(reader, segment)
            draft, skipping = (None, True) if role is None else (_Draft(role), False)
            if draft is None:
                continue
            party_id = _party_id(reader, segment, (1, 0), (1, 2))
            if party_id is not None:
                draft.ids.append(party_id)
            # C080 party name (else C058 name and address), five 3036 at most
            draft.names = list(segment.element(3)[:5])
            if not join_text(draft.names):
                draft.names = list(segment.element(2)[:5])
            draft.street = [s.strip() for s in segment.element(4) if s.strip()]
            draft.city = reader.text(segment, 5)
            draft.region = reader.text(segment, 6)
            draft.postal = reader.text(segment, 7)
            draft.country = _country(reader, segment, 8)
        elif segment.tag not in _NAD_CONTEXT:
            if draft is not None:
                parties.append(draft.party())
            draft, skipping = None, False
        elif segment.tag == "COM" and draft is not None and not skipping:
            channel = segment.value(0, 1).strip()
            number = reader.text(segment, 0, 0)
            if channel == "EM":
                draft.email = number
            elif channel == "TE":
                draft.phone = number
    if draft is not None:
        parties.append(draft.party())
    return parties


def x12_parties(reader: Reader, segments: Sequence[Segment]) -> list[Party]:
    """Every N1 loop among ``segments``."""
    parties: list[Party] = []
    draft: _Draft | None = None
    skipping = False
    for segment in segments:
        tag = segment.tag
        if tag == "N1":
            if draft is not None:
                parties.append(draft.party())
            role = _role(reader, segment)
            draft, skipping = (None, True) if role is None else (_Draft(role), False)
            if draft is None:
                continue
            draft.names = [segment.value(1)]
            party_id = _party_id(reader, segment, (3, 0), (2, 0))
            if party_id is not None:
                draft.ids.append(party_id)
        elif tag not in _N1_CONTEXT:
            if draft is not None:
                parties.append(draft.party())
            draft, skipping = None, False
        elif draft is None or skipping:
            continue
        elif tag == "N2":
            draft.names += [segment.value(0), segment.value(1)]
        elif tag == "N3":
            draft.street += [v for v in (reader.text(segment, 0), reader.text(segment, 1)) if v]
        elif tag == "N4":
            draft.city = reader.text(segment, 0)
            draft.region = reader.text(segment, 1)
            draft.postal = reader.text(segment, 2)
            draft.country = _country(reader, segment, 3)
        elif tag == "PER":
            for element in (2, 4, 6):
                channel = segment.value(element).strip()
                if channel == "EM":
                    draft.email = reader.text(segment, element + 1)
                elif channel == "TE":
                    draft.phone = reader.text(segment, element + 1)
    if draft is not None:
        parties.append(draft.party())
    return parties


# --- outbound -------------------------------------------------------------------------------


def _role_code(tables: CodeTables, role: PartyRole, syntax: str) -> str:
    code = tables.code_for("party", role.value)
    if code is None and role is PartyRole.INVOICEE:
        code = tables.code_for("party", PartyRole.BILL_TO.value)
    if code is None:
        raise RejectedInput(
            f"no {syntax} party qualifier means {role.value!r} in the partner's profile",
            code=NOT_SUPPORTED,
            path=f"$.parties[{role.value}]",
        )
    return code


def _id_and_agency(tables: CodeTables, party: Party, syntax: str) -> tuple[str, str] | None:
    for party_id in party.ids:
        agency = tables.code_for("agency", party_id.scheme)
        if agency is not None:
            return party_id.value, agency
    if party.ids:
        schemes = ", ".join(p.scheme for p in party.ids)
        raise RejectedInput(
            f"no {syntax} agency code for the {party.role.value} party's id schemes ({schemes})",
            code=NOT_SUPPORTED,
            path=f"$.parties[{party.role.value}].ids",
        )
    return None


def _fit(values: list[str], width: int, limit: int, what: str) -> list[str]:
    if len(values) > limit or any(len(v) > width for v in values):
        raise RejectedInput(
            f"{what} does not fit ({limit} pieces of {width} characters)",
            code=INVALID,
            path=f"$.{what}",
        )
    return values


def nad_segments(party: Party, tables: CodeTables) -> list[Segment]:
    """NAD (+ CTA / COM when the party has an e-mail or phone) for one party."""
    qualifier = _role_code(tables, party.role, "EDIFACT")
    found = _id_and_agency(tables, party, "EDIFACT")
    c082 = [found[0], "", found[1]] if found else []
    if found and not found[1]:
        c082 = [found[0]]
    names = _fit(wrap_text(party.name, 35) if party.name else [], 35, 5, "party name")
    address = party.address or Address()
    street = _fit(list(address.street), 35, 4, "street")
    tail = [
        address.city or "",
        address.region or "",
        address.postal_code or "",
        address.country or "",
    ]
    elements: list[str | list[str]] = [qualifier, c082, [], names, street, *tail]
    while elements and not elements[-1]:
        elements.pop()
    segments = [seg("NAD", *elements)]
    if party.email or party.phone:
        segments.append(seg("CTA", "IC"))
        if party.email:
            segments.append(seg("COM", [party.email, "EM"]))
        if party.phone:
            segments.append(seg("COM", [party.phone, "TE"]))
    return segments


def n1_segments(party: Party, tables: CodeTables) -> list[Segment]:
    """The N1 loop (N1, N2, N3, N4, PER) for one party."""
    qualifier = _role_code(tables, party.role, "X12")
    found = _id_and_agency(tables, party, "X12")
    names = wrap_text(party.name, 60) if party.name else []
    head = [qualifier, names[0] if names else ""]
    if found:
        head += [found[1], found[0]]
    segments = [seg("N1", *head)]
    rest = names[1:]
    for i in range(0, len(rest), 2):
        segments.append(seg("N2", *rest[i : i + 2]))
    address = party.address
    if address is not None:
        street = _fit(list(address.street), 55, 8, "street")
        for i in range(0, len(street), 2):
            segments.append(seg("N3", *street[i : i + 2]))
        n4 = [
            address.city or "",
            address.region or "",
            address.postal_code or "",
            address.country or "",
        ]
        while n4 and not n4[-1]:
            n4.pop()
        if n4:
            segments.append(seg("N4", *n4))
    contact: list[str] = []
    if party.email:
        contact += ["EM", party.email]
    if party.phone:
        contact += ["TE", party.phone]
    if contact:
        segments.append(seg("PER", "IC", "", *contact))
    return segments
