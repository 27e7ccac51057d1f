"""The contract check of a mapped document, without a JSON round trip when it passes.

Mappings build contract Structs directly, and msgspec does not validate a Struct built in
code: the check is what decoding would refuse. The reference is the round trip
``json.decode(json.encode(document), type=type(document))``: it raises ``ValidationError``
with the path of the first bad value, and gives back a document of exactly the declared
types. That costs about as much as the mapping itself, so the usual case goes a faster way:
``conforms`` walks the document with code generated once per Struct class from
``msgspec.inspect`` (one function per class, every field check inline) and says yes only
when the round trip would give back an equal document of the same types:

- every value has exactly the declared type (a ``str`` where an enum is declared, a
  ``tuple`` where a ``list`` is, a ``datetime`` where a ``date`` is: no);
- every ``Meta`` constraint holds, tested as msgspec tests it (string lengths in code
  points, ``pattern`` with ``re.search``, integer bounds, collection lengths);
- anything it does not know how to judge (a type the contracts do not use today, a union
  that decoding might resolve to another member, a non-finite decimal) counts as no.

A no is not an error: ``checked`` then does the round trip, which either raises exactly as
before or gives back the converted document exactly as before. So the outcome is the same
in every case, and only the time differs. ``__post_init__`` needs no second run: it ran when
the mapping built each Struct from these very values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timezone
from decimal import Decimal
from itertools import repeat
from typing import Any, TypeVar

import msgspec
from msgspec import inspect

__all__ = ["checked", "conforms"]

T = TypeVar("T", bound=msgspec.Struct)

_Check = Callable[[Any, dict[int, object]], bool]


def checked(document: T, known: dict[int, object] | None = None) -> T:
    """``document`` when it meets its contract, else what the JSON round trip makes of it
    (which raises ``msgspec.ValidationError`` for a value the contract forbids).

    ``known`` (see ``conforms``) may be shared by the documents of one interchange."""
    if conforms(document, known):
        return document
    return msgspec.json.decode(msgspec.json.encode(document), type=type(document))


def conforms(document: msgspec.Struct, known: dict[int, object] | None = None) -> bool:
    """Whether the JSON round trip would give back an equal document of the same types.

    ``known`` remembers the frozen leaf Structs (those holding no collection nor Struct,
    such as ``ProductRef`` or ``Quantity``) found good, by identity, each kept alive by the
    dict so that its ``id`` cannot be reused: documents that share such values (mappings
    reuse them, see ``Reader.memo``) have each checked once.
    """
    return _COMPILER.check_for(type(document))(document, {} if known is None else known)


class _Compiler:
    """Generates one check function per Struct class, sharing one namespace."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {
            "Decimal": Decimal,
            "date": date,
            "datetime": datetime,
            "timezone": timezone,
            "repeat": repeat,
        }
        self.checks: dict[type, _Check] = {}
        self.names: dict[type, str] = {}
        self.counter = 0

    def check_for(self, cls: type) -> _Check:
        found = self.checks.get(cls)
        if found is None:
            self.struct_name(cls)
            found = self.checks[cls]
        return found

    def constant(self, value: object, stem: str) -> str:
        self.counter += 1
        name = f"_{stem}{self.counter}"
        self.namespace[name] = value
        return name

    def struct_name(self, cls: type) -> str:
        """The name of ``cls``'s check in the namespace, generating it on first use."""
        name = self.names.get(cls)
        if name is not None:
            return name
        self.counter += 1
        name = f"_struct_{cls.__name__}_{self.counter}"
        self.names[cls] = name  # before the fields: a class may refer to itself
        info = inspect.type_info(cls)
        assert isinstance(info, inspect.StructType)
        leaf = _leaf(info)
        lines = [f"def {name}(o, k):", f"    if type(o) is not {self.constant(cls, 'cls')}:"]
        lines.append("        return False")
        for field in info.fields:
            test = self.expr(field.type, "v")
            lines.append(f"    v = o.{field.name}")
            lines.append(f"    if not ({test}):")
            lines.append("        return False")
        if leaf:
            lines.append("    k[id(o)] = o")
        lines.append("    return True")
        source = "\n".join(lines)
        exec(compile(source, f"<contract check {cls.__name__}>", "exec"), self.namespace)
        self.checks[cls] = self.namespace[name]
        return name

    def helper(self, kind: inspect.Type) -> str:
        """A one-argument function testing one value (for the items of a collection)."""
        self.counter += 1
        name = f"_item{self.counter}"
        source = f"def {name}(x, k):\n    return {self.expr(kind, 'x')}"
        exec(compile(source, f"<contract check item {self.counter}>", "exec"), self.namespace)
        return name

    def expr(self, kind: inspect.Type, v: str) -> str:
        """A Python expression that is true only when ``v`` is a value of ``kind`` that the
        round trip keeps as it is; ``False`` for what it cannot judge."""
        if isinstance(kind, inspect.Metadata):
            return self.expr(kind.type, v)
        if isinstance(kind, inspect.NoneType):
            return f"{v} is None"
        if isinstance(kind, inspect.BoolType):
            return f"type({v}) is bool"
        if isinstance(kind, inspect.StrType):
            return self.sized(f"type({v}) is str", kind, v) + self.pattern(kind, v)
        if isinstance(kind, inspect.IntType):
            return self.integer(kind, v)
        if isinstance(kind, inspect.DecimalType):
            return f"(type({v}) is Decimal and {v}.is_finite())"
        if isinstance(kind, inspect.DateType):
            return f"type({v}) is date"
        if isinstance(kind, inspect.DateTimeType):
            return self.moment(kind, v)
        if isinstance(kind, inspect.EnumType):
            return f"type({v}) is {self.constant(kind.cls, 'enum')}"
        if isinstance(kind, inspect.StructType):
            check = self.struct_name(kind.cls)
            if _leaf(kind):  # the call is saved for the values already found good
                return f"(id({v}) in k or {check}({v}, k))"
            return f"{check}({v}, k)"
        if isinstance(kind, inspect.ListType):
            item = (
                self.struct_name(kind.item_type.cls)
                if isinstance(kind.item_type, inspect.StructType)
                else self.helper(kind.item_type)
            )
            each = f" and all(map({item}, {v}, repeat(k))))"
            return self.sized(f"type({v}) is list", kind, v) + each
        if isinstance(kind, inspect.DictType):
            key, value = self.helper(kind.key_type), self.helper(kind.value_type)
            return (
                self.sized(f"type({v}) is dict", kind, v)
                + f" and all(map({key}, {v}, repeat(k)))"
                + f" and all(map({value}, {v}.values(), repeat(k))))"
            )
        if isinstance(kind, inspect.UnionType):
            return self.union(kind, v)
        return "False"

    def sized(
        self,
        head: str,
        kind: inspect.StrType | inspect.ListType | inspect.DictType,
        v: str,
    ) -> str:
        """``(head and <length bounds>`` — left open for the caller to close or extend."""
        parts = [head]
        if kind.min_length is not None:
            parts.append(f"len({v}) >= {kind.min_length}")
        if kind.max_length is not None:
            parts.append(f"len({v}) <= {kind.max_length}")
        return "(" + " and ".join(parts)

    def pattern(self, kind: inspect.StrType, v: str) -> str:
        if kind.pattern is None:
            return ")"
        search = self.constant(re.compile(kind.pattern).search, "search")
        return f" and {search}({v}) is not None)"

    def integer(self, kind: inspect.IntType, v: str) -> str:
        parts = [f"type({v}) is int"]
        for bound, op in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            limit = getattr(kind, bound)
            if limit is not None:
                parts.append(f"{v} {op} {limit}")
        if kind.multiple_of is not None:
            parts.append(f"{v} % {kind.multiple_of} == 0")
        return "(" + " and ".join(parts) + ")"

    def moment(self, kind: inspect.DateTimeType, v: str) -> str:
        """A datetime whose offset (if any) JSON carries exactly: a fixed ``timezone`` in
        whole minutes; ``tz`` True asks for one, False forbids one."""
        naive = f"{v}.tzinfo is None"
        aware = f"(type({v}.tzinfo) is timezone and {v}.utcoffset().seconds % 60 == 0)"
        if kind.tz is True:
            zone = aware
        elif kind.tz is False:
            zone = naive
        else:
            zone = f"({naive} or {aware})"
        return f"(type({v}) is datetime and {zone})"

    def union(self, kind: inspect.UnionType, v: str) -> str:
        """``X | None`` and unions of Structs only: decoding picks the same member again.
        Any other union could decode a value as another member, so it is not judged."""
        members = [t.type if isinstance(t, inspect.Metadata) else t for t in kind.types]
        others = [t for t in members if not isinstance(t, inspect.NoneType)]
        if len(others) > 1 and not all(isinstance(t, inspect.StructType) for t in others):
            return "False"
        return "(" + " or ".join(self.expr(t, v) for t in members) + ")"


def _leaf(info: inspect.StructType) -> bool:
    """A frozen Struct holding no collection nor Struct: once found good, good for ever."""
    config = getattr(info.cls, "__struct_config__", None)
    frozen = bool(getattr(config, "frozen", False))
    return frozen and not any(_holds(field.type) for field in info.fields)


def _holds(kind: inspect.Type) -> bool:
    """Whether values of ``kind`` can hold other values (anything but a scalar)."""
    if isinstance(kind, inspect.Metadata):
        return _holds(kind.type)
    if isinstance(kind, inspect.UnionType):
        return any(_holds(t) for t in kind.types)
    return not isinstance(kind, _SCALARS)


_SCALARS = (
    inspect.NoneType,
    inspect.BoolType,
    inspect.StrType,
    inspect.IntType,
    inspect.DecimalType,
    inspect.DateType,
    inspect.DateTimeType,
    inspect.EnumType,
    inspect.LiteralType,
)


_COMPILER = _Compiler()
