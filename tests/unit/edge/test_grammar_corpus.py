"""The validator over every corpus file that parses: no crash, only violations, and the
outcome pinned so a change in behaviour shows up here with its reason.

Most corpus messages are of types or releases we have no spec for (837, PRICAT, 004030...),
which is one violation each; the rest are real findings in the samples (EANCOM units of
four characters such as GBND in an..3, dates that do not match their format qualifier,
document codes outside our lists).
"""

from __future__ import annotations

from collections import Counter

from contracts.errors import RejectedInput
from edge.edi import edifact, x12
from edge.edi.grammar import Violation, validate_interchange
from tests.conftest import CORPUS

# (files that parse, files whose every message is valid, violations by list/code). Reasons:
#   0085/39 too long: EANCOM units of measure of 4 characters (GBND) in an..3, long IMD texts
#   0085/14 messages we have no spec for (PRICAT, MEDDIS, CONTRL:D:93A...: 39, one each) and
#           codes outside the lists we keep closed (BGM 1001 50E / 352 / 1: 46, UNS 0081 Z:
#           3, DTM 2379 84: 2); qualifier lists (3035, 6063, 2005...) are left open on purpose
#   0085/12 header DTM dates that do not match their 2379 format (199708301200 as 102); DTMs
#           nested in groups we do not map (DOC, PAC, PAT, TDT, SCC, RCS) are not checked
#   718/1   transaction sets or versions we have no spec for (837, 835, 322, 004030...)
#   723/2   X12 syntax notes broken by samples: 810 IT1 quantity / unit without a unit price
#           (P020304, 124), 850 DTM05 used as the 3xxx century element (P0506, 8), PO1
#           qualifier without its id (P0607), ACK quantity without its unit (P0203)
#   723/10  an 846 QTY with both a quantity and free-form text (E0204)
#   723/... other element errors in samples (broken 997 / 999 test files with ids in their
#           elements, 846 REF04 misuse, a placeholder state LOCSTATE, a W66 F.O.B. code 43.00)
#   720/... an 810 with ISS before TDS, 997s missing AK1 / AK9
EDIFACT = (75, 18, {"0085/14": 90, "0085/12": 4, "0085/39": 251, "0085/16": 1, "0085/15": 1})
X12 = (
    257,
    126,
    {"718/1": 236, "723/2": 134, "723/5": 8, "723/6": 5, "723/12": 3, "720/3": 3, "723/13": 3,
     "723/1": 2, "723/4": 1, "720/7": 1, "723/3": 1, "723/10": 1},
)  # fmt: skip


def run(kind: str) -> tuple[int, int, Counter[str]]:
    rows = [r.split("\t") for r in (CORPUS / "MANIFEST.tsv").read_text("utf-8").splitlines()[1:]]
    parsed = clean = 0
    codes: Counter[str] = Counter()
    for row in rows:
        if row[4] != kind:
            continue
        try:
            interchanges = (edifact.parse if kind == "edifact" else x12.parse)(
                (CORPUS / row[0]).read_bytes()
            )
        except RejectedInput:
            continue
        parsed += 1
        found: list[Violation] = []
        for interchange in interchanges:
            for check in validate_interchange(interchange):
                found.extend(check.violations)
        for violation in found:
            assert isinstance(violation, Violation) and violation.message
            assert violation.segment_position >= 1
            codes[f"{violation.code_list}/{violation.code}"] += 1
        clean += not found
    return parsed, clean, codes


def test_edifact_corpus() -> None:
    parsed, clean, codes = run("edifact")
    assert (parsed, clean, dict(codes)) == EDIFACT


def test_x12_corpus() -> None:
    parsed, clean, codes = run("x12")
    assert (parsed, clean, dict(codes)) == X12
