"""The model methods an RPC client may call, their access rules, and Odoo's ``call_kw``.

Two entries, one per protocol shape:

- :func:`call_kw` takes JSON-RPC's ``args`` / ``kwargs``: for a method that runs on records
  the first positional argument is the ids (Odoo's ``call_kw`` does the same);
- :func:`call_named` takes JSON-2's named arguments and its ``ids`` member, and refuses
  ``ids`` for a model-level method (422, as Odoo 19 does).

Private methods (``_name``) are refused with AccessError. A user marked read-only may call
only the reading methods; anything else is Odoo's AccessError. Arguments are bound to the
method's signature first, so a wrong argument is Odoo's ``TypeError`` answer, not a crash of
the simulator.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._business import SPECIAL_METHODS
from ._exceptions import AccessError, NotFound, WrongArguments
from ._load import load as load_rows
from ._orm import Database

__all__ = ["Env", "User", "call_kw", "call_named", "has_method"]


@dataclass
class User:
    uid: int
    login: str
    password: str
    name: str
    read_only: bool = False
    api_keys: set[str] = field(default_factory=set)

    def __repr__(self) -> str:
        return f"User(uid={self.uid}, login={self.login!r}, read_only={self.read_only})"


@dataclass
class Env:
    db: Database
    model: str
    user: User
    context: dict[str, Any]


# -- the generic methods of every model ---------------------------------------------------


def search(
    env: Env,
    domain: Any = None,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
) -> list[int]:
    return env.db.search(env.model, domain, offset, limit, order, env.context)


def search_count(env: Env, domain: Any = None, limit: int | None = None) -> int:
    return len(env.db.search(env.model, domain, 0, limit, None, env.context))


def search_read(
    env: Env,
    domain: Any = None,
    fields: list[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
    load: str = "_classic_read",
) -> list[dict[str, Any]]:
    ids = env.db.search(env.model, domain, offset, limit, order, env.context)
    return env.db.read(env.model, ids, fields, load)


def read(
    env: Env, ids: list[int], fields: list[str] | None = None, load: str = "_classic_read"
) -> list[dict[str, Any]]:
    return env.db.read(env.model, ids, fields, load)


def create(env: Env, vals_list: Any) -> int | list[int]:
    if isinstance(vals_list, dict):
        return env.db.create(env.model, vals_list)
    if not isinstance(vals_list, list):
        raise WrongArguments("create() takes a dict or a list of dicts")
    return [env.db.create(env.model, vals) for vals in vals_list]


def write(env: Env, ids: list[int], vals: dict[str, Any]) -> bool:
    return env.db.write(env.model, ids, vals)


def unlink(env: Env, ids: list[int]) -> bool:
    return env.db.unlink(env.model, ids)


def load(env: Env, fields: list[str], data: list[list[Any]]) -> Any:
    return load_rows(env.db, env.model, fields, data)


def name_search(
    env: Env,
    name: str = "",
    domain: Any = None,
    operator: str = "ilike",
    limit: int | None = 100,
    args: Any = None,
) -> list[list[Any]]:
    base = list(domain or args or [])
    extra = env.db.model(env.model).extra_search
    if name:
        terms: list[Any] = [["display_name", operator, name]]
        for other in extra:
            terms = ["|", *terms, [other, operator, name]]
        base = base + terms
    ids = env.db.search(env.model, base, 0, limit, None, env.context)
    return [[i, env.db.display_name(env.model, i)] for i in ids]


def fields_get(
    env: Env, allfields: list[str] | None = None, attributes: list[str] | None = None
) -> dict[str, Any]:
    definition = env.db.model(env.model)
    out = {
        name: spec.describe(name)
        for name, spec in definition.fields.items()
        if not allfields or name in allfields
    }
    if not allfields or "display_name" in allfields:
        out["display_name"] = {
            "type": "char",
            "string": "Display Name",
            "readonly": True,
            "required": False,
            "store": False,
            "name": "display_name",
        }
    if attributes:
        out = {n: {k: v for k, v in d.items() if k in attributes} for n, d in out.items()}
    return out


def default_get(env: Env, fields_list: list[str]) -> dict[str, Any]:
    out = {}
    for name in fields_list:
        spec = env.db.model(env.model).fields.get(name)
        if spec is not None and spec.default is not None:
            out[name] = spec.default(env.db) if callable(spec.default) else spec.default
    return out


def context_get(env: Env) -> dict[str, Any]:
    return {"lang": "en_US", "tz": "Europe/Brussels", "uid": env.user.uid}


def check_object_reference(
    env: Env, module: str, xml_id: str, raise_on_access_error: bool = False
) -> list[Any]:
    found = env.db.xid_lookup(f"{module}.{xml_id}")
    if found is None:
        raise WrongArguments(
            f"External ID not found in the system: {module}.{xml_id}", value_error=True
        )
    return [found[0], found[1]]


Spec = tuple[Callable[..., Any], bool, str | None]  # (function, on records, access needed)

GENERIC: dict[str, Spec] = {
    "search": (search, False, None),
    "search_count": (search_count, False, None),
    "search_read": (search_read, False, None),
    "read": (read, True, None),
    "create": (create, False, "create"),
    "write": (write, True, "write"),
    "unlink": (unlink, True, "unlink"),
    "load": (load, False, "write"),
    "name_search": (name_search, False, None),
    "fields_get": (fields_get, False, None),
    "default_get": (default_get, False, None),
}
SPECIFIC: dict[tuple[str, str], Spec] = {
    **SPECIAL_METHODS,
    ("res.users", "context_get"): (context_get, False, None),
    ("ir.model.data", "check_object_reference"): (check_object_reference, False, None),
}
_VERBS = {"create": "create", "write": "modify", "unlink": "delete"}


def has_method(model: str, method: str) -> bool:
    return (model, method) in SPECIFIC or method in GENERIC


def _resolve(db: Database, model: str, method: str) -> Spec:
    definition = db.model(model)
    if method.startswith("_"):
        raise AccessError(f"Private methods (such as {model}.{method}) cannot be called remotely.")
    spec = SPECIFIC.get((model, method)) or GENERIC.get(method)
    if spec is None:
        raise NotFound(f"The method '{method}' does not exist on the model '{definition.name}'")
    return spec


def _check_access(db: Database, user: User, model: str, access: str | None) -> None:
    if access is None or not user.read_only:
        return
    description = db.model(model).description
    raise AccessError(
        f"You are not allowed to {_VERBS[access]} '{description}' ({model}) records.\n\n"
        "This operation is allowed for the following groups:\n\t- Administration/Settings\n\n"
        "Contact your administrator to request access if necessary."
    )


def _ids(value: Any) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, list | tuple) and all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        return list(value)
    raise WrongArguments(f"expected a list of record ids, got {value!r}")


@functools.cache
def _signature(function: Callable[..., Any]) -> inspect.Signature:
    """Per method, not per call: computing a signature cost more than most calls' work."""
    return inspect.signature(function)


def _invoke(
    env: Env, spec: Spec, ids: list[int] | None, args: list[Any], kwargs: Mapping[str, Any]
) -> Any:
    function, on_records, access = spec
    _check_access(env.db, env.user, env.model, access)
    positional = [env, ids, *args] if on_records else [env, *args]
    try:
        _signature(function).bind(*positional, **kwargs)
    except TypeError as exc:
        raise WrongArguments(f"{env.model}.{function.__name__}() {exc}") from None
    env.db.uid = env.user.uid
    with env.db.transaction():
        return function(*positional, **kwargs)


def _env(db: Database, user: User, model: str, kwargs: dict[str, Any]) -> Env:
    context = kwargs.pop("context", None) or {}
    if not isinstance(context, dict):
        raise WrongArguments("context must be an object")
    return Env(db, model, user, dict(context))


def call_kw(db: Database, user: User, model: str, method: str, args: Any, kwargs: Any) -> Any:
    """``execute_kw``: the recordset, if any, is the first positional argument."""
    spec = _resolve(db, model, method)
    args = list(args or [])
    named = dict(kwargs or {})
    env = _env(db, user, model, named)
    ids = None
    if spec[1]:
        if not args:
            raise WrongArguments(f"{model}.{method}() needs the record ids as first argument")
        ids = _ids(args.pop(0))
    return _invoke(env, spec, ids, args, named)


def call_named(db: Database, user: User, model: str, method: str, body: dict[str, Any]) -> Any:
    """JSON-2: named arguments, with the recordset in ``ids``."""
    spec = _resolve(db, model, method)
    named = dict(body)
    raw_ids = named.pop("ids", None)
    env = _env(db, user, model, named)
    if raw_ids is not None and not spec[1]:
        raise WrongArguments(f"cannot call {model}.{method} with ids")
    ids = _ids(raw_ids) if spec[1] and raw_ids is not None else ([] if spec[1] else None)
    return _invoke(env, spec, ids, [], named)
