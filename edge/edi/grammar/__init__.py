"""Grammars of the supported messages, as data, and the validator that checks them.

One spec per message and release lives under ``specs/`` (TOML: a structure table, and a
segment dictionary and code lists per standard; see ``_notation`` for the notation and
``_load`` for how releases share a file). ``validate`` checks one message or transaction
set and reports every violation with its standard code (EDIFACT 0085, X12 720 / 723 / 718)
and its position; ``validate_interchange`` checks every message of a parsed interchange;
``validate_report`` is the text the ``crossdock edi validate`` command prints.
"""

from ._codes import EdifactCode, ElementCode, SegmentCode, SetCode
from ._load import all_specs, load_spec, spec_for_edifact, spec_for_x12, spec_names
from ._model import (
    Condition,
    ElementRule,
    GroupSpec,
    MessageSpec,
    SegmentRule,
    Slot,
    ValueRule,
    Violation,
)
from ._notation import SpecError
from ._report import describe, validate_report
from ._validate import MessageCheck, document_number, validate, validate_interchange

__all__ = [
    "Condition",
    "EdifactCode",
    "ElementCode",
    "ElementRule",
    "GroupSpec",
    "MessageCheck",
    "MessageSpec",
    "SegmentCode",
    "SegmentRule",
    "SetCode",
    "Slot",
    "SpecError",
    "ValueRule",
    "Violation",
    "all_specs",
    "describe",
    "document_number",
    "load_spec",
    "spec_for_edifact",
    "spec_for_x12",
    "spec_names",
    "validate",
    "validate_interchange",
    "validate_report",
]
