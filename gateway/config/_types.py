"""Constrained value types and the small policy tables shared by Odoo and partners.

Constraints live in ``Annotated[..., Meta(...)]`` aliases so one definition serves every key
that uses it, and each carries a ``description`` that error messages quote: a user reading
"expected a slug: lowercase letters, digits and '-'" knows what to type, one reading a regular
expression may not.

Every duration is a number of seconds (``30``, ``0.5``); TOML integers are accepted where a
number is expected.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

__all__ = [
    "BreakerSettings",
    "Count",
    "Fraction",
    "LogFormat",
    "LogLevel",
    "NonEmptyStr",
    "RateLimit",
    "RetrySettings",
    "Seconds",
    "Slug",
    "StrTable",
    "Table",
]

Slug = Annotated[
    str,
    Meta(
        pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$",
        description=(
            "a slug: 1 to 64 lowercase letters, digits and '-', "
            "not starting or ending with '-' (e.g. 'acme-retail')"
        ),
    ),
]
NonEmptyStr = Annotated[str, Meta(min_length=1, description="a non-empty string")]
Seconds = Annotated[float, Meta(gt=0, description="a number of seconds greater than 0")]
Count = Annotated[int, Meta(ge=1, description="a whole number of at least 1")]
Fraction = Annotated[
    float, Meta(gt=0, le=1, description="a fraction greater than 0 and at most 1 (0.5 = 50%)")
]
StrTable = dict[
    Annotated[str, Meta(min_length=1, description="a non-empty key")],
    Annotated[str, Meta(description="a string")],
]

LogLevel = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["text", "json", "auto"]


class Table(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every configuration table: immutable, keyword-only, and typos in keys are errors.

    Subclasses repeat the three options: neither msgspec (for ``kw_only``) nor mypy's
    dataclass_transform (for ``frozen``) inherits them.
    """


class RateLimit(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A token bucket: ``rate`` requests per second on average, bursts of up to ``burst``."""

    rate: Annotated[
        float, Meta(gt=0, description="requests per second, a number greater than 0")
    ] = 5.0
    burst: Count = 10


class BreakerSettings(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """When a circuit breaker opens, how long it stays open, and how it probes again.

    It opens after ``failure_threshold`` consecutive transient failures, or when the share of
    failures among the calls of the last ``window`` seconds exceeds ``failure_rate`` (only once
    at least ``min_calls`` calls were made in that window, so two calls cannot open it). After
    ``cooldown`` seconds it lets ``half_open_probes`` calls through; if they succeed it closes.
    """

    failure_threshold: Count = 5
    failure_rate: Fraction = 0.5
    window: Seconds = 60.0
    min_calls: Count = 10
    cooldown: Seconds = 30.0
    half_open_probes: Count = 1


class RetrySettings(Table, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Exponential backoff for transient failures: ``initial * factor**n``, at most ``cap``.

    ``max_attempts`` counts every attempt including the first; after it the delivery becomes a
    dead letter (never retry forever). ``jitter`` spreads the waits so that clients failing
    together do not retry together: ``full`` waits a random time up to the delay, ``equal``
    between half the delay and the delay, ``none`` exactly the delay (for tests).
    """

    initial: Seconds = 1.0
    factor: Annotated[float, Meta(ge=1, description="a number of at least 1")] = 2.0
    cap: Seconds = 300.0
    max_attempts: Count = 8
    jitter: Literal["full", "equal", "none"] = "full"
