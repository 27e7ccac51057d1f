"""Signing and checking webhook requests: HMAC-SHA256 over ``<timestamp>.<body>``.

::

    headers = sign(secret, body, int(time.time()), event_id="evt-42")   # the sender's side
    signed = read_signed_headers(headers)          # 400 if a header is missing or malformed
    verify(secret, body, signed, now=time.time(), tolerance=300.0)      # 401 if not genuine

The signature covers the timestamp, so a captured request cannot be re-sent with a fresh
one; the tolerance bounds how long a captured request stays usable at all, and within it
the event id (or the body's hash) makes a re-sent request a duplicate, never a second order.
The signature is checked before the timestamp, so a caller without the secret only ever
learns "signature mismatch"; a sender with the right secret and a wrong clock is told so.
Digests are compared with :func:`hmac.compare_digest` (constant time).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contracts.errors import RejectedInput

__all__ = [
    "EVENT_HEADER",
    "MAX_EVENT_ID_LENGTH",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "SignedHeaders",
    "WebhookRefused",
    "read_signed_headers",
    "sign",
    "signature_of",
    "verify",
]

TIMESTAMP_HEADER = "X-Crossdock-Timestamp"
SIGNATURE_HEADER = "X-Crossdock-Signature"
EVENT_HEADER = "X-Crossdock-Event"
MAX_EVENT_ID_LENGTH = 200

_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_EVENT_ID = re.compile(rf"[\x20-\x7e]{{1,{MAX_EVENT_ID_LENGTH}}}")


class WebhookRefused(RejectedInput):
    """A request the receiver answers with an error: ``status``, a stable ``error`` word and
    a ``detail`` sentence the sender can act on (which never reveals the secret's use)."""

    def __init__(self, status: int, error: str, detail: str, **fields: Any) -> None:
        super().__init__(detail, code=error, status=status, **fields)
        self.status = status
        self.error = error
        self.detail = detail


@dataclass(frozen=True, slots=True)
class SignedHeaders:
    """The signing headers of one request, checked for form (not yet for authenticity)."""

    timestamp: int
    signature: bytes
    """The 32 bytes of the HMAC the sender claims."""
    event_id: str | None = None


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def signature_of(secret: str | bytes, body: bytes, timestamp: int) -> bytes:
    """HMAC-SHA256 of ``b"<timestamp>." + body`` under ``secret`` (the raw 32 bytes)."""
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(_key(secret), message, hashlib.sha256).digest()


def sign(
    secret: str | bytes, body: bytes, timestamp: int | float, *, event_id: str | None = None
) -> dict[str, str]:
    """The headers a sender puts on a POST of ``body`` made at ``timestamp`` (unix seconds).

    For tests, the demo and partners' integrations; ``event_id`` adds ``X-Crossdock-Event``.
    """
    seconds = int(timestamp)
    headers = {
        TIMESTAMP_HEADER: str(seconds),
        SIGNATURE_HEADER: "sha256=" + signature_of(secret, body, seconds).hex(),
    }
    if event_id is not None:
        headers[EVENT_HEADER] = event_id
    return headers


def _bad_header(name: str, why: str) -> WebhookRefused:
    return WebhookRefused(400, "bad_header", f"{name}: {why}", header=name)


def read_signed_headers(headers: Mapping[str, str]) -> SignedHeaders:
    """The signing headers of a request (names in any case); :class:`WebhookRefused` 400
    naming the header when one is missing or malformed."""
    lower = {k.lower(): v for k, v in headers.items()}
    raw_ts = lower.get(TIMESTAMP_HEADER.lower())
    if raw_ts is None:
        raise _bad_header(TIMESTAMP_HEADER, "missing (unix seconds, e.g. 1718000000)")
    if not _TIMESTAMP.fullmatch(raw_ts):
        raise _bad_header(TIMESTAMP_HEADER, "must be unix seconds: digits only")
    raw_sig = lower.get(SIGNATURE_HEADER.lower())
    if raw_sig is None:
        raise _bad_header(SIGNATURE_HEADER, "missing (sha256=<64 hex digits>)")
    found = _SIGNATURE.fullmatch(raw_sig)
    if found is None:
        raise _bad_header(SIGNATURE_HEADER, "must be sha256=<64 hex digits>")
    event_id = lower.get(EVENT_HEADER.lower())
    if event_id is not None and not _EVENT_ID.fullmatch(event_id):
        raise _bad_header(
            EVENT_HEADER, f"must be 1 to {MAX_EVENT_ID_LENGTH} printable ASCII characters"
        )
    return SignedHeaders(int(raw_ts), bytes.fromhex(found.group(1)), event_id)


def verify(
    secret: str | bytes, body: bytes, signed: SignedHeaders, *, now: float, tolerance: float
) -> None:
    """Raise :class:`WebhookRefused` 401 unless ``signed`` is a signature of ``body`` under
    ``secret`` made within ``tolerance`` seconds of ``now`` (either side)."""
    expected = signature_of(secret, body, signed.timestamp)
    if not hmac.compare_digest(expected, signed.signature):
        raise WebhookRefused(401, "signature_mismatch", "signature mismatch")
    age = now - signed.timestamp
    if age > tolerance:
        raise WebhookRefused(
            401,
            "timestamp_out_of_tolerance",
            f"timestamp too old: possible replay (older than {tolerance:g} s; sign each "
            "request when it is sent)",
        )
    if -age > tolerance:
        raise WebhookRefused(
            401,
            "timestamp_out_of_tolerance",
            f"timestamp too far in the future (over {tolerance:g} s ahead of our clock): "
            "check the sender's clock",
        )
