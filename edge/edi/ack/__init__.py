"""Functional acknowledgements: CONTRL, 997 and 999, out and in.

``acknowledge`` answers a file (bytes or parsed interchanges) with the acknowledgement its
syntax calls for, built from the parser's verdict and the grammar's violations;
``acknowledge_file`` adds an ``AckSummary`` per interchange for the gateway to record;
``build_contrl`` and ``build_x12_ack`` are the builders underneath, working on
``InterchangeOutcome`` objects. ``read_acks`` turns the acknowledgements partners send into
``contracts.FunctionalAck``. ``ack_report`` is what ``crossdock edi ack FILE`` prints.
"""

from ._acknowledge import (
    Acknowledgement,
    acknowledge,
    acknowledge_file,
    acknowledge_outcomes,
    is_acknowledgement,
    outcomes,
)
from ._contrl import build_contrl
from ._inbound import read_acks
from ._outcome import (
    EnvelopeError,
    GroupOutcome,
    InterchangeOutcome,
    MessageOutcome,
    from_edifact,
    from_x12,
)
from ._report import ack_report
from ._salvage import salvage_edifact, salvage_x12
from ._summary import AckSummary, ControlNumbers, MessageAck, summarize
from ._x12ack import ack_kind, build_x12_ack

__all__ = [
    "AckSummary",
    "Acknowledgement",
    "ControlNumbers",
    "EnvelopeError",
    "GroupOutcome",
    "InterchangeOutcome",
    "MessageAck",
    "MessageOutcome",
    "ack_kind",
    "ack_report",
    "acknowledge",
    "acknowledge_file",
    "acknowledge_outcomes",
    "build_contrl",
    "build_x12_ack",
    "from_edifact",
    "from_x12",
    "is_acknowledgement",
    "outcomes",
    "read_acks",
    "salvage_edifact",
    "salvage_x12",
    "summarize",
]
