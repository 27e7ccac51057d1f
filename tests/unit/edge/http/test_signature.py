"""Signing and checking webhook requests: the HMAC, the headers' form, the tolerance."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.http import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignedHeaders,
    WebhookRefused,
    read_signed_headers,
    sign,
    verify,
)

SECRET = "whsec-0123456789abcdef"
BODY = b'{"type": "sales_order"}'
T = 1_718_000_000


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1718000000." + BODY, hashlib.sha256).hexdigest()
    headers = sign(SECRET, BODY, T)
    assert headers == {TIMESTAMP_HEADER: "1718000000", SIGNATURE_HEADER: f"sha256={expected}"}


def test_sign_adds_the_event_id_and_drops_fractions_of_a_second() -> None:
    headers = sign(SECRET, BODY, T + 0.9, event_id="evt-1")
    assert headers[TIMESTAMP_HEADER] == str(T)
    assert headers[EVENT_HEADER] == "evt-1"
    verify(SECRET, BODY, read_signed_headers(headers), now=T, tolerance=1)


@given(st.binary(max_size=512), st.text(min_size=1, max_size=40), st.integers(0, 10**12 - 1))
def test_what_is_signed_verifies_and_any_changed_byte_does_not(
    body: bytes, secret: str, timestamp: int
) -> None:
    signed = read_signed_headers(sign(secret, body, timestamp))
    verify(secret, body, signed, now=timestamp, tolerance=0)
    for changed in (body + b" ", b"x" + body[1:] if body[:1] != b"x" else b"y" + body[1:]):
        with pytest.raises(WebhookRefused) as refused:
            verify(secret, changed, signed, now=timestamp, tolerance=0)
        assert (refused.value.status, refused.value.error) == (401, "signature_mismatch")


def test_another_secret_or_another_timestamp_is_a_mismatch() -> None:
    signed = read_signed_headers(sign(SECRET, BODY, T))
    with pytest.raises(WebhookRefused) as refused:
        verify("other-secret", BODY, signed, now=T, tolerance=300)
    assert (refused.value.status, refused.value.detail) == (401, "signature mismatch")
    moved = SignedHeaders(T + 1, signed.signature)
    with pytest.raises(WebhookRefused) as refused:
        verify(SECRET, BODY, moved, now=T, tolerance=300)
    assert (refused.value.status, refused.value.detail) == (401, "signature mismatch")


@pytest.mark.parametrize(
    ("now", "outcome"),
    [
        (T + 300, None),
        (T - 300, None),
        (T + 301, "timestamp too old: possible replay"),
        (T - 301, "timestamp too far in the future"),
    ],
)
def test_the_tolerance_holds_on_both_sides(now: float, outcome: str | None) -> None:
    signed = read_signed_headers(sign(SECRET, BODY, T))
    if outcome is None:
        verify(SECRET, BODY, signed, now=now, tolerance=300)
        return
    with pytest.raises(WebhookRefused) as refused:
        verify(SECRET, BODY, signed, now=now, tolerance=300)
    assert refused.value.status == 401
    assert refused.value.error == "timestamp_out_of_tolerance"
    assert refused.value.detail.startswith(outcome)


def test_a_bad_signature_is_told_as_a_mismatch_even_when_the_timestamp_is_old() -> None:
    signed = read_signed_headers(sign("wrong", BODY, T))
    with pytest.raises(WebhookRefused) as refused:
        verify(SECRET, BODY, signed, now=T + 10_000, tolerance=300)
    assert (refused.value.status, refused.value.detail) == (401, "signature mismatch")


def test_header_names_are_case_insensitive() -> None:
    headers = {k.lower(): v for k, v in sign(SECRET, BODY, T, event_id="e").items()}
    signed = read_signed_headers(headers)
    assert (signed.timestamp, signed.event_id) == (T, "e")


GOOD = sign(SECRET, BODY, T)


@pytest.mark.parametrize(
    ("change", "header"),
    [
        ({TIMESTAMP_HEADER: None}, TIMESTAMP_HEADER),
        ({TIMESTAMP_HEADER: "-5"}, TIMESTAMP_HEADER),
        ({TIMESTAMP_HEADER: "1718000000.5"}, TIMESTAMP_HEADER),
        ({TIMESTAMP_HEADER: "soon"}, TIMESTAMP_HEADER),
        ({SIGNATURE_HEADER: None}, SIGNATURE_HEADER),
        ({SIGNATURE_HEADER: GOOD[SIGNATURE_HEADER][7:]}, SIGNATURE_HEADER),  # no sha256=
        ({SIGNATURE_HEADER: "sha1=" + "0" * 40}, SIGNATURE_HEADER),
        ({SIGNATURE_HEADER: GOOD[SIGNATURE_HEADER][:-1]}, SIGNATURE_HEADER),
        ({EVENT_HEADER: ""}, EVENT_HEADER),
        ({EVENT_HEADER: "e" * 201}, EVENT_HEADER),
        ({EVENT_HEADER: "evt\x01"}, EVENT_HEADER),
        ({EVENT_HEADER: "évt"}, EVENT_HEADER),
    ],
)
def test_malformed_or_missing_headers_are_a_400_naming_the_header(
    change: dict[str, str | None], header: str
) -> None:
    headers = {**GOOD, **change}
    clean = {k: v for k, v in headers.items() if v is not None}
    with pytest.raises(WebhookRefused) as refused:
        read_signed_headers(clean)
    assert (refused.value.status, refused.value.error) == (400, "bad_header")
    assert refused.value.detail.startswith(f"{header}: ")


def test_an_event_id_of_200_printable_characters_is_taken() -> None:
    event = "E" * 199 + "~"
    assert read_signed_headers({**GOOD, EVENT_HEADER: event}).event_id == event
