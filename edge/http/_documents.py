"""The body of a JSON webhook: canonical documents, decoded with the contracts' own schema.

A body is either one document (an object tagged by ``type``, as ``crossdock contracts
schema`` describes) or a batch ``{"documents": [doc, ...]}`` (at least one). A body is all
or nothing, like a file: one invalid document refuses the body. Every refusal is a
:class:`RejectedInput` whose ``path`` is the JSON path msgspec names (``$.documents[2].
lines[0].quantity.value``) and, for malformed JSON, whose ``byte_offset`` says where.

The receiver (``edge.http.WebhookApp``) does not call this: it only checks that the body is
JSON, stores it, and answers; intake decodes the stored row later, off the event loop.
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from contracts import Document
from contracts.errors import RejectedInput

__all__ = ["decode_documents"]

_BOM = b"\xef\xbb\xbf"
_AT_PATH = re.compile(r" - at `(\$[^`]*)`$")
_AT_BYTE = re.compile(r"\(byte (\d+)\)")
_SHAPE = 'expected one canonical document (an object with "type") or {"documents": [...]}'


class _Batch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    documents: Annotated[list[Document], msgspec.Meta(min_length=1)]


_top = msgspec.json.Decoder(dict[str, msgspec.Raw])
_one: msgspec.json.Decoder[Document] = msgspec.json.Decoder(Document)
_batch = msgspec.json.Decoder(_Batch)


def _refused(
    message: str, partner: str | None, source: str | None, *, path: str = "$",
    byte_offset: int | None = None,
) -> RejectedInput:  # fmt: skip
    return RejectedInput(
        f"{message} (at {path})" if byte_offset is None else message,
        partner=partner,
        source=source,
        path=path,
        byte_offset=byte_offset,
        code="json",
    )


def _from_msgspec(
    error: msgspec.MsgspecError, partner: str | None, source: str | None
) -> RejectedInput:
    text = str(error)
    if isinstance(error, msgspec.ValidationError):
        found = _AT_PATH.search(text)
        path = found.group(1) if found else "$"
        message = text[: found.start()] if found else text
        return _refused(f"invalid document: {message}", partner, source, path=path)
    offset = _AT_BYTE.search(text)
    return _refused(
        f"not valid JSON: {text}",
        partner,
        source,
        byte_offset=int(offset.group(1)) if offset else None,
    )


def decode_documents(
    data: bytes, *, partner: str | None = None, source: str | None = None
) -> list[Document]:
    """The canonical documents a JSON body holds, in order (see the module docs)."""
    body = data.removeprefix(_BOM)
    try:
        top = _top.decode(body)
    except msgspec.ValidationError as error:  # JSON, but not an object
        got = str(error).partition(", got ")[2] or "something else"
        raise _refused(f"{_SHAPE}, got {got}", partner, source) from None
    except msgspec.DecodeError as error:
        raise _from_msgspec(error, partner, source) from None
    try:
        if "type" in top:
            return [_one.decode(body)]
        if "documents" in top:
            return list(_batch.decode(body).documents)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        raise _from_msgspec(error, partner, source) from None
    raise _refused(_SHAPE, partner, source)
