"""Structured logging on the stdlib: one event name plus key/value fields per line.

::

    log = get_logger(__name__)
    log.info("file_rejected", partner="acme", file="PO1.edi", reason="UNT count 7, expected 9")

Why the stdlib and not structlog: every library we run on (trio, hypercorn, httpx, asyncssh)
already logs through ``logging``, so one root handler formats their lines and ours alike, and
nothing else needs installing. Our lines carry their fields on the ``LogRecord``; foreign lines
become an event made of their message.

Two renderings, chosen by :func:`configure_logging`:

- ``text``: logfmt (``time=... level=info logger=... event=file_rejected partner=acme``), for
  terminals and grep; a traceback follows on its own lines.
- ``json``: one JSON object per line, for journald and log shippers.

Secrets never reach a handler: values whose class defines ``reveal`` (our ``Secret`` wrapper,
whatever module defines it) and values under keys named like secrets (``api_key``, ``password``,
``token``, ``authorization``, ``secret``, ``*_token``...) are replaced by ``[redacted]`` when the
record is made, so even handlers we did not install (pytest's, a debugger's) see no secret.
A key that only *mentions* a token, like ``token_name``, is kept: it names, it does not open.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Mapping
from typing import IO, Any, Literal

import msgspec

from contracts.errors import ConfigError

__all__ = [
    "REDACTED",
    "JsonFormatter",
    "LogfmtFormatter",
    "Logger",
    "configure_logging",
    "get_logger",
    "is_secret_key",
    "redact",
]

REDACTED = "[redacted]"
LogFormat = Literal["text", "json", "auto"]

_FIELDS = "crossdock_fields"  # LogRecord attribute holding our (already redacted) fields
_OURS = "_crossdock_handler"  # marks the handler configure_logging installed
_SECRET_KEYS = frozenset(
    {
        "api_key",
        "apikey",
        "authorization",
        "cookie",
        "credential",
        "credentials",
        "passphrase",
        "passwd",
        "password",
        "private_key",
        "secret",
        "token",
    }
)
_MAX_DEPTH = 4
_RESERVED = ("time", "level", "logger", "event")


def is_secret_key(key: str) -> bool:
    """True for keys named like secrets: ``token``, ``odoo_api_key``, ``X-Api-Key``...

    The rule is "equal to, or ending in ``_`` + a secret word", so ``bearer_token`` is hidden
    while ``token_name`` (which identifies a token without revealing it) is not.
    """
    k = key.lower().replace("-", "_")
    return k in _SECRET_KEYS or any(k.endswith("_" + word) for word in _SECRET_KEYS)


def _is_secret_value(value: object) -> bool:
    # Duck-typed on purpose: the config's Secret type lives in a package we may not import.
    return callable(getattr(type(value), "reveal", None))


def _redact_value(value: object, depth: int) -> object:
    if _is_secret_value(value):
        return REDACTED
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, Mapping):
        return redact(value, _depth=depth + 1)
    if isinstance(value, list | tuple):
        return [_redact_value(item, depth + 1) for item in value]
    return value


def redact(fields: Mapping[Any, object], *, _depth: int = 0) -> dict[str, object]:
    """A copy of ``fields`` with secret-like values and secret-named keys masked (nested too)."""
    out: dict[str, object] = {}
    for key, value in fields.items():
        name = str(key)
        out[name] = REDACTED if is_secret_key(name) else _redact_value(value, _depth)
    return out


class Logger:
    """A thin structured front on a stdlib logger: ``log.info("event", key=value, ...)``.

    ``bind`` returns a logger that adds fixed fields to every line (the partner, the message
    id), which is how "the partner on every line that concerns it" stays cheap to honour.
    """

    __slots__ = ("_context", "_logger")

    def __init__(self, logger: logging.Logger, context: Mapping[str, object] | None = None):
        self._logger = logger
        self._context: dict[str, object] = dict(context or {})

    @property
    def name(self) -> str:
        return self._logger.name

    def bind(self, **fields: object) -> Logger:
        return Logger(self._logger, {**self._context, **fields})

    def is_enabled_for(self, level: int) -> bool:
        return self._logger.isEnabledFor(level)

    def log(self, level: int, event: str, /, *, exc_info: bool = False, **fields: object) -> None:
        self._emit(level, event, exc_info, fields)

    def debug(self, event: str, /, **fields: object) -> None:
        self._emit(logging.DEBUG, event, False, fields)

    def info(self, event: str, /, **fields: object) -> None:
        self._emit(logging.INFO, event, False, fields)

    def warning(self, event: str, /, **fields: object) -> None:
        self._emit(logging.WARNING, event, False, fields)

    def error(self, event: str, /, **fields: object) -> None:
        self._emit(logging.ERROR, event, False, fields)

    def exception(self, event: str, /, **fields: object) -> None:
        """An error line with the traceback of the exception being handled."""
        self._emit(logging.ERROR, event, True, fields)

    def _emit(self, level: int, event: str, exc_info: bool, fields: Mapping[str, object]) -> None:
        if not self._logger.isEnabledFor(level):
            return
        merged = {**self._context, **fields} if self._context else fields
        self._logger.log(
            level,
            event,
            exc_info=exc_info,
            extra={_FIELDS: redact(merged)},
            stacklevel=3,  # the caller of info()/error()..., not this module
        )


def get_logger(name: str) -> Logger:
    """The structured logger for ``name`` (use the module's ``__name__``)."""
    return Logger(logging.getLogger(name))


def _event_and_fields(record: logging.LogRecord) -> tuple[str, dict[str, object]]:
    fields = getattr(record, _FIELDS, None)
    if isinstance(fields, dict):
        return str(record.msg), fields
    # A foreign line (hypercorn, trio, asyncssh): its message is the event.
    return record.getMessage(), {}


def _timestamp(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


def _header(record: logging.LogRecord, event: str) -> dict[str, object]:
    return {
        "time": _timestamp(record),
        "level": record.levelname.lower(),
        "logger": record.name,
        "event": event,
    }


def _merge(header: dict[str, object], fields: Mapping[str, object]) -> dict[str, object]:
    line = dict(header)
    for key, value in fields.items():
        # A field may not overwrite the line's own keys; it keeps its value under key_.
        line[key + "_" if key in _RESERVED else key] = value
    return line


def _fallback(value: Any) -> Any:
    # Anything msgspec cannot encode (paths, exceptions, custom objects) logs as its str(),
    # except a secret met inside a value redact() does not descend into (a Struct).
    return REDACTED if _is_secret_value(value) else str(value)


_json = msgspec.json.Encoder(enc_hook=_fallback)


def _logfmt_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = value if isinstance(value, str) else _json.encode(value).decode()
    needs_quotes = text == "" or any(c in text for c in ' ="\\') or not text.isprintable()
    return _json.encode(text).decode() if needs_quotes else text


class LogfmtFormatter(logging.Formatter):
    """``time=... level=info logger=... event=... key=value``; traceback on following lines."""

    def format(self, record: logging.LogRecord) -> str:
        event, fields = _event_and_fields(record)
        line = _merge(_header(record, event), fields)
        text = " ".join(f"{key}={_logfmt_value(value)}" for key, value in line.items())
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        elif record.stack_info:
            text += "\n" + self.formatStack(record.stack_info)
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line; a traceback goes in ``exc`` so the line stays one line."""

    def format(self, record: logging.LogRecord) -> str:
        event, fields = _event_and_fields(record)
        line = _merge(_header(record, event), fields)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return _json.encode(line).decode()


def _parse_level(level: str | int) -> int:
    if isinstance(level, int):
        return level
    number = logging.getLevelNamesMapping().get(level.upper())
    if number is None:
        raise ConfigError(f"unknown log level {level!r}", path="$.log.level")
    return number


_CHATTY_LIBRARIES = {
    "aiosqlite": logging.INFO,
    "asyncssh": logging.INFO,
    "hpack": logging.INFO,
    "hypercorn.access": logging.INFO,
    "httpcore": logging.WARNING,
    "httpx": logging.WARNING,
}


def configure_logging(
    level: str | int = "INFO", fmt: LogFormat = "text", stream: IO[str] | None = None
) -> logging.Handler:
    """Send every log line (ours and the libraries') to ``stream`` in ``fmt``.

    ``auto`` picks ``text`` for a terminal and ``json`` otherwise (journald, a pipe). Calling
    it again replaces the handler it installed before and leaves other handlers alone.
    Returns the installed handler.
    """
    number = _parse_level(level)
    stream = stream if stream is not None else sys.stderr
    if fmt == "auto":
        isatty = getattr(stream, "isatty", None)
        fmt = "text" if callable(isatty) and isatty() else "json"
    formatter: logging.Formatter
    if fmt == "text":
        formatter = LogfmtFormatter()
    elif fmt == "json":
        formatter = JsonFormatter()
    else:
        raise ConfigError(f"unknown log format {fmt!r} (text, json or auto)", path="$.log.format")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    setattr(handler, _OURS, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(number)
    # Libraries that narrate every call drown our own lines: they speak from their floor up
    # (httpx logs every request at INFO) unless the level asked for is stricter than that.
    for name, floor in _CHATTY_LIBRARIES.items():
        logging.getLogger(name).setLevel(max(number, floor))
    return handler
