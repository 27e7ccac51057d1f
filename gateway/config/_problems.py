"""Configuration problems: what is wrong, where (a ``$.x.y`` path, or a TOML line), and what
was expected; and the translation of msgspec's validation messages into that form.

msgspec stops at the first error and words it for programmers ("Expected `int` >= 1 - at
`$.n`"). We keep its path, point "missing" and "unknown" errors at the key itself rather than
at the table around it, name the allowed keys and values, quote the constraint's description,
and show the offending value, except where the value could be a secret.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

import msgspec
import msgspec.inspect as mi

from contracts.errors import ConfigError
from gateway.config._secret import Secret

__all__ = ["ConfigProblem", "InvalidConfig", "problem_from_toml", "problem_from_validation"]


class ConfigProblem(msgspec.Struct, frozen=True, kw_only=True):
    """One thing wrong with a configuration file."""

    file: str
    path: str = "$"
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.where()}: {self.message}"

    def where(self) -> str:
        """``$.odoo.url``, or ``3:7`` (line:column) for a TOML syntax error."""
        if self.line is not None:
            return f"{self.line}:{self.column or 1}"
        return f" {self.path}"


class InvalidConfig(ConfigError):
    """The configuration cannot be used; ``problems`` lists everything found, in file order.

    ``path``, ``file``, ``line`` and ``column`` are the first problem's, for callers that
    show only one.
    """

    def __init__(self, file: str, problems: Sequence[ConfigProblem]) -> None:
        if not problems:
            raise ValueError("InvalidConfig needs at least one problem")
        first = problems[0]
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        super().__init__(
            f"{count} in {file}: {first.path}: {first.message}",
            path=first.path,
            file=file,
            line=first.line,
            column=first.column,
        )
        self.problems: tuple[ConfigProblem, ...] = tuple(problems)

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{self.file}: {len(self.problems)} problems:"]
        lines.extend(f"  {p.where().strip()}: {p.message}" for p in self.problems)
        return "\n".join(lines)


_TOML_WHERE = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


def problem_from_toml(exc: ValueError, file: str, text: str) -> ConfigProblem:
    """A TOML syntax error, with its line and column (the end of the file if tomllib says so)."""
    message = str(exc)
    match = _TOML_WHERE.search(message)
    line = column = None
    if match:
        message = message[: match.start()]
        if match.group(1):
            line, column = int(match.group(1)), int(match.group(2))
        else:
            lines = text.split("\n")
            line, column = len(lines), len(lines[-1]) + 1
    return ConfigProblem(
        file=file, message=f"TOML syntax error: {message}", line=line, column=column
    )


_AT = re.compile(r"^(?P<msg>.*) - at `(?P<path>\$[^`]*)`$", re.DOTALL)
_KEY_AT = re.compile(r"^(?P<msg>.*) - at `key` in `(?P<path>\$[^`]*)`$", re.DOTALL)
_SEGMENT = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")
_NAMES = {
    "int": "a whole number",
    "float": "a number",
    "str": "a string",
    "bool": "true or false",
    "object": "a table",
    "array": "an array",
    "null": "nothing",
    "datetime": "a date-time",
    "date": "a date",
    "time": "a time",
}
_SECRET_HINT = (
    "secrets are never written in the configuration; name where to read it: "
    '{ file = "path" }, { credential = "name" } (systemd LoadCredential) or '
    '{ env = "VAR" } (development only)'
)


def _name(type_name: str) -> str:
    return _NAMES.get(type_name, type_name)


def problem_from_validation(
    exc: msgspec.ValidationError, *, file: str, prefix: str, schema: Any, raw: object
) -> ConfigProblem:
    """Turn msgspec's error for ``raw`` decoded as ``schema`` at ``prefix`` into a problem."""
    text = str(exc)
    bad_key = _KEY_AT.match(text)
    match = bad_key or _AT.match(text)
    msg, rel = (match["msg"], match["path"]) if match else (text, "$")
    segments: list[str | int] = []
    for name, index in _SEGMENT.findall(rel[1:]):
        segments.append(name if name else (int(index) if index != "..." else "..."))
    info, value, segments = _walk(mi.type_info(schema), raw, segments)
    node = _unwrap(info, value)

    if bad_key is not None:  # a table whose keys are a closed set (``outbound``)
        key_type = getattr(node, "key_type", None)
        shown = re.sub(r"^Invalid (?:enum )?value ", "", msg)
        message = f"unknown key {shown}"
        if isinstance(key_type, mi.LiteralType):
            message += f"; allowed keys here: {', '.join(map(str, key_type.values))}"
        return ConfigProblem(file=file, path=_join(prefix, segments), message=message)

    if m := re.match(r"Object contains unknown field `(.*)`$", msg):
        key = m[1]
        allowed = _keys(node)
        message = f"unknown key {key!r}"
        close = difflib.get_close_matches(key, allowed, n=1)
        if close:
            message += f"; did you mean {close[0]!r}?"
        if allowed:
            message += f"{'' if close else '.'} Allowed keys here: {', '.join(allowed)}"
        return ConfigProblem(file=file, path=_join(prefix, [*segments, key]), message=message)
    if m := re.match(r"Object missing required field `(.*)`$", msg):
        child, _ = _child(info, value, m[1])
        expected = f": {_describe(child)}" if child is not None else ""
        return ConfigProblem(
            file=file,
            path=_join(prefix, [*segments, m[1]]),
            message=f"required key {m[1]!r} is missing{expected}",
        )

    path = _join(prefix, segments)
    if _is_secret(node):
        if msg.startswith("Expected `object`, got `str`"):
            return ConfigProblem(file=file, path=path, message=_SECRET_HINT)
        return ConfigProblem(file=file, path=path, message=f"{_rephrase(msg)}; {_SECRET_HINT}")
    if m := re.match(r"Invalid (?:enum )?value (.*)$", msg):
        message = f"invalid value {m[1]}"
        if isinstance(node, mi.LiteralType):
            message += f"; expected one of: {', '.join(repr(v) for v in node.values)}"
        return ConfigProblem(file=file, path=path, message=message)

    base, has_got, got_type = msg.partition(", got `")
    description = _description(info)
    message = f"expected {description}" if description else _rephrase(base)
    if _is_scalar(value):
        message += f", got {_show(value)}"
    elif has_got:
        message += f", got {_name(got_type.rstrip('`'))}"
    return ConfigProblem(file=file, path=path, message=message)


def _rephrase(msg: str) -> str:
    """``Expected `int` >= 1`` -> ``expected a whole number >= 1``."""
    msg = re.sub(r"`(\w+)`", lambda m: _name(m[1]), msg)
    return msg[:1].lower() + msg[1:]


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _walk(info: Any, raw: object, segments: list[str | int]) -> tuple[Any, object, list[str | int]]:
    """Follow ``segments`` through the type info and the raw data together.

    Returns the type info and raw value at the end, and the segments with ``[...]`` (msgspec's
    "some dict key") replaced by the key that holds a wrong value.
    """
    resolved: list[str | int] = []
    for segment in segments:
        node = _unwrap(info, raw)
        if segment == "..." and isinstance(node, mi.DictType) and isinstance(raw, dict):
            key = _bad_key(node.value_type, raw)
            resolved.append(key)
            info, raw = node.value_type, raw.get(key)
            continue
        resolved.append(segment)
        info, raw = _child(info, raw, segment)
    return info, raw, resolved


def _child(info: Any, raw: object, segment: str | int) -> tuple[Any, object]:
    """The type info and raw value one step down from ``info`` / ``raw``."""
    node = _unwrap(info, raw)
    if isinstance(segment, int):
        item = raw[segment] if isinstance(raw, list) and 0 <= segment < len(raw) else None
        if isinstance(node, mi.ListType | mi.VarTupleType | mi.SetType):
            return node.item_type, item
        return None, item
    child = raw.get(segment) if isinstance(raw, dict) else None
    if isinstance(node, mi.StructType) and node.tag_field == segment:
        tags = tuple(t.tag for t in _structs(info)) or (node.tag,)
        return mi.LiteralType(values=tags), child
    for field in node.fields if isinstance(node, mi.StructType) else ():
        if field.encode_name == segment:
            return field.type, child
    return None, child


def _structs(info: Any) -> list[mi.StructType]:
    while isinstance(info, mi.Metadata):
        info = info.type
    if isinstance(info, mi.UnionType):
        return [t for t in info.types if isinstance(t, mi.StructType)]
    return [info] if isinstance(info, mi.StructType) else []


def _unwrap(info: Any, raw: object) -> Any:
    """Strip ``Annotated`` metadata; pick a union's member (by tag for tagged structs)."""
    while True:
        if isinstance(info, mi.Metadata):
            info = info.type
        elif isinstance(info, mi.UnionType):
            structs = _structs(info)
            others = [t for t in info.types if not isinstance(t, mi.NoneType)]
            tag = raw.get(structs[0].tag_field) if structs and isinstance(raw, dict) else None
            chosen = [t for t in structs if t.tag == tag] or structs or others
            if not chosen:
                return info
            info = chosen[0]
        else:
            return info


def _bad_key(value_info: Any, raw: dict[Any, Any]) -> str:
    inner = _unwrap(value_info, None)
    for key, value in raw.items():
        if isinstance(inner, mi.StrType) and not isinstance(value, str):
            return str(key)
        if isinstance(inner, mi.DictType) and not isinstance(value, dict):
            return str(key)
    return str(next(iter(raw), "..."))


def _keys(info: Any) -> list[str]:
    if not isinstance(info, mi.StructType):
        return []
    keys = [info.tag_field] if info.tag_field else []
    return keys + [field.encode_name for field in info.fields]


def _is_secret(info: Any) -> bool:
    return isinstance(info, mi.StructType) and info.cls is Secret


def _description(info: Any) -> str | None:
    """The ``Meta(description=...)`` of a key's type, looking inside ``X | None``."""
    if isinstance(info, mi.Metadata):
        description = (info.extra_json_schema or {}).get("description")
        return description if isinstance(description, str) else _description(info.type)
    if isinstance(info, mi.UnionType):
        for member in info.types:
            found = _description(member)
            if found:
                return found
    return None


def _describe(info: Any) -> str:
    description = _description(info)
    if description:
        return description
    info = _unwrap(info, None)
    if isinstance(info, mi.LiteralType):
        return "one of " + ", ".join(repr(v) for v in info.values)
    if _is_secret(info):
        return 'a secret source such as { file = "path" }'
    if isinstance(info, mi.StructType):
        return "a table"
    if isinstance(info, mi.ListType | mi.VarTupleType):
        return "an array"
    return _name(type(info).__name__.removesuffix("Type").lower())


def _is_scalar(value: object) -> bool:
    return isinstance(value, int | float | bool) or (isinstance(value, str) and len(value) < 80)


def _join(prefix: str, segments: Sequence[str | int]) -> str:
    path = prefix
    for segment in segments:
        if isinstance(segment, int):
            path += f"[{segment}]"
        elif re.fullmatch(r"[A-Za-z0-9_-]+", segment):
            path += f".{segment}"
        else:
            path += f"[{segment!r}]"
    return path
