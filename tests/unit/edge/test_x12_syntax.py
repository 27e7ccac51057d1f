"""X12 syntax: the ISA header, separators, repetition, decoding, and where errors point."""

from __future__ import annotations

import pytest

from contracts.errors import RejectedInput
from edge.edi import X12InterchangeNote, x12


def isa(
    *,
    sep: str = "*",
    comp: str = ">",
    rep: str = "U",
    version: str = "00401",
    control: str = "000000001",
    sender: str = "SENDER",
) -> str:
    values = [
        "00", " " * 10, "00", " " * 10, "ZZ", sender.ljust(15), "ZZ", "RECEIVER".ljust(15),
        "240315", "0930", rep, version, control, "0", "P", comp,
    ]  # fmt: skip
    return sep.join(["ISA", *values])


def interchange(body: list[str], *, term: str = "~", line: str = "", **isa_args: str) -> str:
    sep = isa_args.get("sep", "*")
    sets = [
        *[f"GS{sep}PO{sep}S{sep}R{sep}20240315{sep}0930{sep}1{sep}X{sep}004010"],
        f"ST{sep}850{sep}0001",
        *body,
        f"SE{sep}{len(body) + 2}{sep}0001",
        f"GE{sep}1{sep}1",
        f"IEA{sep}1{sep}{isa_args.get('control', '000000001')}",
    ]
    return (term + line).join([isa(**isa_args), *sets]) + term + line


def rejection(data: bytes) -> RejectedInput:
    with pytest.raises(RejectedInput) as caught:
        x12.parse(data)
    return caught.value


def test_isa_defines_the_separators() -> None:
    text = interchange(["BEG|00|SA|PO1||20240315"], sep="|", comp="^", term="\\")
    (parsed,) = x12.parse(text.encode())
    assert parsed.separators == x12.Separators(
        element="|", component="^", repetition=None, terminator="\\", line_break=""
    )
    assert parsed.sets[0].body[0].elements == (("00",), ("SA",), ("PO1",), ("",), ("20240315",))


def test_isa_values_are_kept_and_parties_unpadded() -> None:
    (parsed,) = x12.parse(interchange(["BEG*00*SA*PO1**20240315"]).encode())
    assert parsed.header.value(5) == "SENDER         "
    assert parsed.sender.id == "SENDER" and parsed.sender.qualifier == "ZZ"
    assert (parsed.version, parsed.control_number, parsed.usage) == ("00401", "000000001", "P")
    assert not parsed.test and not parsed.ack_requested
    assert len(parsed.header.elements) == 16


@pytest.mark.parametrize("line", ["\n", "\r\n", "\r"])
def test_line_breaks_after_the_terminator_are_recorded(line: str) -> None:
    (parsed,) = x12.parse(interchange(["BEG*00*SA*PO1**20240315"], line=line).encode())
    assert parsed.separators.line_break == line
    assert parsed.sets[0].body[0].tag == "BEG"


def test_newline_as_segment_terminator() -> None:
    (parsed,) = x12.parse(interchange(["BEG*00*SA*PO1**20240315"], term="\n").encode())
    assert parsed.separators.terminator == "\n"
    assert [s.tag for s in parsed.all_segments()][-1] == "IEA"


def test_components_split_on_isa16() -> None:
    (parsed,) = x12.parse(interchange(["MEA*PD*G>LB*12"]).encode())
    assert parsed.sets[0].body[0].elements == (("PD",), ("G", "LB"), ("12",))


def test_repetition_separator_from_00402_on() -> None:
    text = interchange(["REF*ZZ*A^B^C"], rep="^", version="00501")
    (parsed,) = x12.parse(text.encode())
    assert parsed.separators.repetition == "^"
    assert parsed.sets[0].body[0].repetitions(1) == (("A",), ("B",), ("C",))
    old = interchange(["REF*ZZ*A^B"], rep="^", version="00401")
    (parsed,) = x12.parse(old.encode())
    assert parsed.separators.repetition is None
    assert parsed.sets[0].body[0].value(1) == "A^B"


def test_utf8_is_decoded_and_offsets_count_bytes() -> None:
    data = interchange(["N1*ST*MÜLLER & SÖHNE", "N3*STRASSE 5"]).encode()
    (parsed,) = x12.parse(data)
    n1, n3 = parsed.sets[0].body
    assert n1.value(1) == "MÜLLER & SÖHNE" and parsed.encoding == "utf-8"
    assert data[n3.offset or 0 :].startswith(b"N3*")


def test_invalid_utf8_falls_back_to_latin1_unless_told() -> None:
    data = interchange(["N1*ST*M\xdcLLER"]).encode("latin-1")
    (parsed,) = x12.parse(data)
    assert parsed.encoding == "iso8859-1" and parsed.sets[0].body[0].value(1) == "MÜLLER"
    error = rejection_with(data, encoding="utf-8")
    assert error.byte_offset == data.index(b"\xdc")


def rejection_with(data: bytes, **kwargs: str) -> RejectedInput:
    with pytest.raises(RejectedInput) as caught:
        x12.parse(data, **kwargs)
    return caught.value


def test_bom_and_blank_lines_before_the_isa() -> None:
    data = b"\xef\xbb\xbf\r\n" + interchange(["BEG*00*SA*PO1**20240315"]).encode()
    (parsed,) = x12.parse(data)
    assert parsed.offset == 5
    for segment in parsed.all_segments():
        assert data[segment.offset or 0 :].startswith(segment.tag.encode())


def test_isa_broken_across_lines_is_read_when_the_terminator_is_not_a_line_break() -> None:
    text = interchange(["BEG*00*SA*PO1**20240315"])
    wrapped = text[:80] + "\n" + text[80:]
    (parsed,) = x12.parse(wrapped.encode())
    assert parsed.control_number == "000000001"


def test_trimmed_isa_is_read_when_unambiguous() -> None:
    text = (
        interchange(["BEG*00*SA*PO1**20240315"])
        .replace(" " * 10, "")
        .replace("SENDER   ", "SENDER")
    )
    (parsed,) = x12.parse(text.encode())
    assert parsed.sender.id == "SENDER"
    assert parsed.header.value(1) == ""


def test_trimmed_isa_with_a_bad_element_is_refused_naming_it() -> None:
    text = interchange(["BEG*00*SA*PO1**20240315"]).replace("*0930*", "*930*")
    error = rejection(text.encode())
    assert error.code == X12InterchangeNote.INVALID_TIME.value == "015"
    assert "ISA10" in error.message and "not fixed width" in error.message


def test_isa_broken_across_lines_with_newline_terminator_is_refused() -> None:
    text = interchange(["BEG*00*SA*PO1**20240315"], term="\n").replace(" " * 10, "", 1)
    wrapped = text[:60] + "\n" + text[60:]
    error = rejection(wrapped.encode())
    assert error.code == "022" and "unambiguously" in error.message


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda t: t.replace("ISA*", "ISA ", 1), "026"),
        (lambda t: t.replace("*000000001*0*P", "*00000000X*0*P"), "018"),
        (lambda t: t.replace("*0*P*", "*0*Q*"), "020"),
        (lambda t: t.replace("*0*P*", "*7*P*"), "019"),
        (lambda t: t.replace("*00401*", "*0040A*"), "017"),
        (lambda t: t.replace("*240315*", "*24031X*"), "014"),
        (lambda t: t.replace("*P*>~", "*P*A~"), "027"),
        (lambda t: t.replace("*P*>~", "*P*>A", 1), "004"),
        (lambda t: t.replace("*ZZ*SENDER", "*Z!*SENDER"), "005"),
        (lambda t: t.replace("SENDER         ", " " * 15), "006"),
    ],
)
def test_isa_errors_carry_their_ta1_code(change: object, code: str) -> None:
    text = change(interchange(["BEG*00*SA*PO1**20240315"]))  # type: ignore[operator]
    error = rejection(text.encode())
    assert error.code == code, error
    assert error.fields["code_list"] == "I18"
    assert error.segment_index == 0


def test_file_that_ends_inside_the_isa() -> None:
    error = rejection(interchange([])[:105].encode())
    assert error.code in ("023", "022")


def test_missing_isa_is_refused_at_the_first_byte() -> None:
    error = rejection(b"GS*PO*S*R*20240315*0930*1*X*004010~")
    assert error.code == "022" and error.byte_offset == 0


def test_empty_file() -> None:
    assert rejection(b"\r\n").code == "023"


def test_bad_segment_id_and_empty_segment() -> None:
    bad = interchange(["beg*00*SA*PO1**20240315"]).encode()
    error = rejection(bad)
    assert (error.code, error.fields["code_list"]) == ("1", "720")
    assert error.byte_offset == bad.index(b"beg")
    empty = interchange(["BEG*00*SA*PO1**20240315~"]).encode()
    assert rejection(empty).code == "1"


def test_control_character_in_data_is_refused() -> None:
    data = interchange(["N1*ST*A\x07B"]).encode()
    error = rejection(data)
    assert (error.code, error.fields["code_list"]) == ("6", "723")
    assert error.byte_offset == data.index(b"\x07")


def test_tokenize_with_given_separators() -> None:
    segments = x12.tokenize("N1*ST*A:B~N3*X~", x12.Separators())
    assert [s.elements for s in segments] == [(("ST",), ("A", "B")), (("X",),)]
