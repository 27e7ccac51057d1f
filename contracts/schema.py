"""JSON Schema export of every contract (``crossdock contracts schema DIR``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import msgspec

from contracts.documents import Document
from contracts.envelope import DocumentEnvelope

__all__ = ["schemas", "write_schemas"]


def schemas() -> dict[str, dict[str, Any]]:
    """One JSON Schema per document type (by tag), plus ``envelope`` and ``document``."""
    out: dict[str, dict[str, Any]] = {}
    for cls in get_args(Document):
        tag = cls.__struct_config__.tag
        out[str(tag)] = msgspec.json.schema(cls)
    out["document"] = msgspec.json.schema(Document)
    out["envelope"] = msgspec.json.schema(DocumentEnvelope)
    return out


def write_schemas(directory: Path) -> list[Path]:
    """Write ``<name>.schema.json`` files into ``directory`` (created); return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in sorted(schemas().items()):
        path = directory / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written
