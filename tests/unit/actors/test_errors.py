"""The actor error tree: one root, structured fields, causes kept."""

from __future__ import annotations

import pytest

import actors
from actors import (
    ActorCrashed,
    ActorError,
    ActorStopped,
    AskTimeout,
    CircuitOpen,
    MailboxFull,
    RestartIntensityExceeded,
)


@pytest.mark.parametrize(
    "error",
    [
        MailboxFull("acme", capacity=3),
        ActorStopped("acme", reason="stopped: its supervisor shut down"),
        AskTimeout("acme", timeout=2.0, message_type="Ping"),
        ActorCrashed("acme", message_type="Ping", error=ValueError("bad")),
        CircuitOpen("odoo", retry_at=12.5, state="open"),
        RestartIntensityExceeded(
            "root", child="acme", restarts=5, within=60.0, last_error=KeyError("x")
        ),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_error_is_an_actor_error_that_says_who(error: ActorError) -> None:
    assert isinstance(error, ActorError)
    assert error.fields, "structured fields are what logs and dead letters show"
    who = error.fields.get("actor") or error.fields.get("breaker") or error.fields.get("supervisor")
    assert who is not None and str(who) in str(error)


def test_causes_are_kept_for_crashes_and_escalations() -> None:
    bug = ValueError("bad")
    assert ActorCrashed("a", message_type="Ping", error=bug).__cause__ is bug
    escalated = RestartIntensityExceeded("root", child="a", restarts=1, within=1.0, last_error=bug)
    assert escalated.__cause__ is bug
    assert escalated.fields["last_error"] == "ValueError"


def test_the_package_exports_a_sorted_all() -> None:
    # isort-style, as ruff's RUF022 sorts: CONSTANTS, then Classes, then functions.
    def key(name: str) -> tuple[bool, bool, str]:
        return (not name.isupper(), name[:1].islower(), name)

    assert actors.__all__ == sorted(actors.__all__, key=key)
    for name in actors.__all__:
        assert hasattr(actors, name), name
