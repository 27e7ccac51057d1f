"""External IDs for idempotency keys: a readable prefix and a hash, in module ``crossdock``.

An idempotency key is made by the gateway from the source (``acme-retail/UNB 4711/ORD-1``):
any characters, any length. An external ID name should be ``[a-z0-9_]`` (Odoo's own data
uses that; ``.`` would be read as a module separator, and ``,`` splits lists in imports).
The name is therefore the key folded to ASCII, lower case, every other run of characters made
one ``_``, cut to 40 characters, followed by the first 16 hex digits of the SHA-256 of the
key itself. The prefix is for people reading Odoo's technical menus; the hash makes the name
unique and deterministic, so two keys that fold to the same prefix never share a record.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = [
    "XID_MODULE",
    "external_id",
    "external_id_name",
    "is_valid_external_id_name",
    "line_external_id",
]

XID_MODULE = "crossdock"
_PREFIX_LENGTH = 40
_HASH_LENGTH = 16
_OTHER = re.compile(r"[^a-z0-9]+")
_VALID = re.compile(r"^[a-z0-9_]+$")


def external_id_name(key: str) -> str:
    """The external ID name for ``key``: ``"PO 123/x"`` -> ``"po_123_x_<16 hex>"``."""
    if not key:
        raise ValueError("an idempotency key cannot be empty")
    folded = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode("ascii")
    readable = _OTHER.sub("_", folded.lower()).strip("_")[:_PREFIX_LENGTH].rstrip("_")
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:_HASH_LENGTH]
    return f"{readable}_{digest}" if readable else f"key_{digest}"


def external_id(key: str, module: str = XID_MODULE) -> str:
    """The full external ID (``crossdock.<name>``) for an idempotency key."""
    return f"{module}.{external_id_name(key)}"


def line_external_id(parent_xid: str, field: str, number: int) -> str:
    """The external ID of the ``number``-th line (from 1) of a one2many of ``parent_xid``.

    Lines need their own external IDs: ``load`` links and updates a line it finds by
    external ID, but creates a new one for a line given without, so a re-load of the same
    order would otherwise double its lines.
    """
    if number < 1:
        raise ValueError("line numbers count from 1")
    return f"{parent_xid}__{field}_{number}"


def is_valid_external_id_name(name: str) -> bool:
    return bool(_VALID.match(name))
