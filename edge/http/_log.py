"""Structured log lines from the HTTP edge, without importing the gateway.

``edge`` may not import ``gateway.log``, so this speaks its format the way ``edge.sftp``
does: the event name is the record's message and the key/value fields ride on the record
under ``crossdock_fields``, the attribute ``gateway.log``'s formatters read (logfmt or JSON).
Signatures and secrets never go into these fields; event ids, partners and sizes do.
"""

from __future__ import annotations

import logging

__all__ = ["EventLog"]

_FIELDS = "crossdock_fields"  # the LogRecord attribute gateway.log renders


class EventLog:
    """``log.info("webhook_request", partner="shopfront", status=202)``."""

    def __init__(self, name: str) -> None:
        self._logger = logging.getLogger(name)

    def info(self, event: str, /, **fields: object) -> None:
        self._emit(logging.INFO, event, fields, exc_info=False)

    def warning(self, event: str, /, **fields: object) -> None:
        self._emit(logging.WARNING, event, fields, exc_info=False)

    def exception(self, event: str, /, **fields: object) -> None:
        """An error line with the traceback of the exception being handled."""
        self._emit(logging.ERROR, event, fields, exc_info=True)

    def _emit(self, level: int, event: str, fields: dict[str, object], *, exc_info: bool) -> None:
        if not self._logger.isEnabledFor(level):
            return
        clean = {k: v for k, v in fields.items() if v is not None}
        self._logger.log(level, event, exc_info=exc_info, extra={_FIELDS: clean}, stacklevel=3)
