"""Structured log lines from the edges, without importing the gateway.

``edge`` may not import ``gateway.log``, so this is the smallest thing that speaks its
format, shared by every edge package (SFTP, HTTP): the event name is the record's message
and the key/value fields ride on the record under ``crossdock_fields``, the attribute
``gateway.log``'s formatters read. Lines therefore render exactly like the gateway's own
(logfmt or JSON), and tests read ``record.msg`` and ``record.crossdock_fields`` from
pytest's ``caplog``.

No secret ever goes into these fields: the edges log partners, user names, file names,
sizes, event ids, key fingerprints and reasons, never key material, signatures or passwords.
"""

from __future__ import annotations

import logging

__all__ = ["FIELDS_ATTRIBUTE", "EventLog"]

FIELDS_ATTRIBUTE = "crossdock_fields"  # the LogRecord attribute gateway.log renders


class EventLog:
    """``log.info("sftp_file_taken", partner="acme", file="PO1.edi")``."""

    def __init__(self, name: str) -> None:
        self._logger = logging.getLogger(name)

    def debug(self, event: str, /, **fields: object) -> None:
        self._emit(logging.DEBUG, event, fields, exc_info=False)

    def info(self, event: str, /, **fields: object) -> None:
        self._emit(logging.INFO, event, fields, exc_info=False)

    def warning(self, event: str, /, **fields: object) -> None:
        self._emit(logging.WARNING, event, fields, exc_info=False)

    def error(self, event: str, /, **fields: object) -> None:
        self._emit(logging.ERROR, event, fields, exc_info=False)

    def exception(self, event: str, /, **fields: object) -> None:
        """Like :meth:`error`, with the traceback of the exception being handled."""
        self._emit(logging.ERROR, event, fields, exc_info=True)

    def _emit(self, level: int, event: str, fields: dict[str, object], *, exc_info: bool) -> None:
        if not self._logger.isEnabledFor(level):
            return
        clean = {k: v for k, v in fields.items() if v is not None}
        self._logger.log(
            level, event, exc_info=exc_info, extra={FIELDS_ATTRIBUTE: clean}, stacklevel=3
        )
