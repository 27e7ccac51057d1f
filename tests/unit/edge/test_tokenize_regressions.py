"""Tokenizer faults found by property tests, kept as plain examples."""

from __future__ import annotations

import pytest

from contracts.errors import RejectedInput
from edge.edi import edifact


def test_a_released_character_in_a_tag_is_judged_on_the_tag_as_read() -> None:
    """Found by hypothesis: ``'00?0`` gave the plain split's tag ``00?0`` to the tag check,
    which then looked for a segment carrying it and found none (StopIteration)."""
    data = b"UNA:+.? 'UNB+UNOC:3+'00?0"
    with pytest.raises(RejectedInput) as raised:
        edifact.parse(data)
    assert raised.value.code and raised.value.byte_offset is not None
    segments = edifact.tokenize(data.decode())
    assert [s.tag for s in segments] == ["UNB", "000"]
