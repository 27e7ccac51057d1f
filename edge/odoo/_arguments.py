"""One way to pass arguments, two wire shapes: JSON-2's named arguments, JSON-RPC's lists.

The rule, the same for every caller of :meth:`OdooTransport.call`:

- ``ids`` is the recordset a method runs on. JSON-2 sends it as the ``ids`` member of the
  body; JSON-RPC sends it as the first positional argument (``execute_kw(..., [ids, *args])``),
  which is how Odoo's ``call_kw`` builds a recordset. Leave it ``None`` for model-level
  methods (``search``, ``create``, ``load``...).
- ``kwargs`` (named arguments) pass as they are on both protocols. Prefer them: they mean the
  same thing everywhere.
- positional ``args`` pass as they are on JSON-RPC. JSON-2 has no positional arguments, so
  they are named from :data:`SIGNATURES`, the ORM's own parameter names; a positional
  argument of a method missing from the table is a programming error (``TypeError``), found
  by the first test that makes the call, not by Odoo in production.
- ``context`` becomes the ``context`` member (JSON-2) or the ``context`` named argument
  (JSON-RPC).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["SIGNATURES", "json2_params", "jsonrpc_params"]

SIGNATURES: Mapping[str, tuple[str, ...]] = {
    # model-level methods
    "search": ("domain", "offset", "limit", "order"),
    "search_count": ("domain", "limit"),
    "search_read": ("domain", "fields", "offset", "limit", "order"),
    "name_search": ("name", "domain", "operator", "limit"),
    "create": ("vals_list",),
    "load": ("fields", "data"),
    "fields_get": ("allfields", "attributes"),
    "default_get": ("fields_list",),
    "check_object_reference": ("module", "xml_id", "raise_on_access_error"),
    "context_get": (),
    # record methods (their recordset travels in ``ids``)
    "read": ("fields", "load"),
    "write": ("vals",),
    "unlink": (),
    "copy": ("default",),
    "action_confirm": (),
    "action_cancel": (),
    "button_validate": (),
    "action_apply_inventory": (),
}


def json2_params(
    method: str,
    args: Sequence[Any] | None = None,
    kwargs: Mapping[str, Any] | None = None,
    *,
    ids: Sequence[int] | None = None,
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON-2 body: named arguments, ``ids`` and ``context``."""
    body: dict[str, Any] = {}
    if args:
        names = SIGNATURES.get(method)
        if names is None:
            raise TypeError(
                f"JSON-2 has no positional arguments and {method!r} is not in SIGNATURES: "
                "pass its arguments by name"
            )
        if len(args) > len(names):
            raise TypeError(f"{method}() takes at most {len(names)} arguments, got {len(args)}")
        body.update(zip(names, args, strict=False))
    for name, value in (kwargs or {}).items():
        if name in body:
            raise TypeError(f"{method}() got argument {name!r} both by position and by name")
        if name in ("ids", "context"):
            raise TypeError(f"pass {name!r} through the call's {name}= parameter")
        body[name] = value
    if ids is not None:
        body["ids"] = list(ids)
    if context is not None:
        body["context"] = dict(context)
    return body


def jsonrpc_params(
    args: Sequence[Any] | None = None,
    kwargs: Mapping[str, Any] | None = None,
    *,
    ids: Sequence[int] | None = None,
    context: Mapping[str, Any] | None = None,
) -> tuple[list[Any], dict[str, Any]]:
    """``execute_kw``'s ``args`` and ``kwargs``: the recordset first, then the rest."""
    positional: list[Any] = [list(ids)] if ids is not None else []
    positional.extend(args or ())
    named = dict(kwargs or {})
    if context is not None:
        if "context" in named:
            raise TypeError("pass 'context' through the call's context= parameter")
        named["context"] = dict(context)
    return positional, named
