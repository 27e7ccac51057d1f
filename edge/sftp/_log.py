"""The SFTP edge's structured log lines: the edges' shared :mod:`edge._log`, re-exported.

Kept as the name the SFTP modules import, so the one implementation lives in ``edge._log``
(the HTTP edge uses it too) while ``edge.sftp`` keeps importing nothing of ``edge.http``.
"""

from edge._log import FIELDS_ATTRIBUTE, EventLog

__all__ = ["FIELDS_ATTRIBUTE", "EventLog"]
