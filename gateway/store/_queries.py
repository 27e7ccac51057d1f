"""Every SQL statement the store runs, by name.

Kept here, not in the methods, so the whole data access of the gateway reads in one page and
a PostgreSQL backend has a list to translate. Named parameters (``:now``) where a statement
is run once; positional ones where ``executemany`` or a multi-row VALUES list feeds it.
"""

from __future__ import annotations

from functools import lru_cache

# --- outbox -------------------------------------------------------------------------------

# ?1 is the transaction time and ?2 the default attempt budget; then each row binds the
# fields of one ``NewDelivery`` in declaration order (``msgspec.structs.astuple``), so the
# parameter list is built at C speed. NewDelivery's field order is part of this contract
# (tests/unit/gateway/test_store_tx.py checks it).
ENQUEUE_FIELDS = (
    "idempotency_key",
    "destination",
    "partner",
    "flow",
    "payload",
    "document_id",
    "correlation_key",
    "max_attempts",
    "run_after",
)


@lru_cache(maxsize=16)
def enqueue(rows: int) -> str:
    """A multi-row idempotent insert; RETURNING names the rows actually inserted.

    Built for a handful of fixed sizes (powers of two up to 64) so the statement cache
    keeps every variant prepared. The exact path, taken when some key already exists.
    """
    return f"{_enqueue_values(rows)} RETURNING id, idempotency_key"


@lru_cache(maxsize=16)
def enqueue_fresh(rows: int) -> str:
    """:func:`enqueue` without RETURNING: the fast path for keys that are all new.

    RETURNING makes SQLite buffer every inserted row and Python build a tuple and a key
    string per row (about a tenth of an enqueue's database time, measured). When all rows
    are new, their ids follow from the statement's change count and ``last_insert_rowid``
    (see ``OutboxOps.enqueue_many``), so nothing needs returning.
    """
    return _enqueue_values(rows)


def _enqueue_values(rows: int) -> str:
    width = len(ENQUEUE_FIELDS)
    values = []
    for r in range(rows):
        p = [f"?{3 + r * width + i}" for i in range(width)]
        values.append(
            f"({', '.join(p[:7])}, 'available', 0, coalesce({p[7]}, ?2), coalesce({p[8]}, ?1),"
            " ?1, ?1)"
        )
    return (
        "INSERT INTO outbox (idempotency_key, destination, partner, flow, payload, document_id,"
        " correlation_key, state, attempts, max_attempts, run_after, created_at, updated_at)"
        f" VALUES {', '.join(values)}"
        " ON CONFLICT (idempotency_key) DO NOTHING"
    )


# The largest id so far: new rows get larger ones (the rowid is max + 1), which is what lets
# the fast enqueue path know its rows' ids without RETURNING. One step down the rowid tree.
OUTBOX_MAX_ID = "SELECT coalesce(max(id), 0) FROM outbox"

OUTBOX_IDS_BY_KEYS = """
SELECT idempotency_key, id FROM outbox
WHERE idempotency_key IN (SELECT value FROM json_each(:keys))
"""

CLAIM = """
UPDATE outbox
SET state = 'running', attempts = attempts + 1, claim_token = :token, claimed_at = :now,
    updated_at = :now
WHERE id IN (
    SELECT id FROM outbox
    WHERE destination = :destination AND state IN ('available', 'retryable')
      AND run_after <= :now
    ORDER BY run_after, id
    LIMIT :limit)
RETURNING id, idempotency_key, destination, partner, flow, document_id, correlation_key,
          payload, attempts, max_attempts, claim_token, claimed_at
"""

ACK = """
UPDATE outbox
SET state = 'completed', result = :result, claim_token = NULL, claimed_at = NULL,
    finished_at = :now, updated_at = :now
WHERE id = :id AND state = 'running' AND claim_token = :token
RETURNING id
"""

FAIL = """
UPDATE outbox
SET state = CASE WHEN :retry_at IS NULL OR attempts >= max_attempts
                 THEN 'dead' ELSE 'retryable' END,
    run_after = coalesce(:retry_at, run_after),
    finished_at = CASE WHEN :retry_at IS NULL OR attempts >= max_attempts THEN :now END,
    claim_token = NULL, claimed_at = NULL,
    last_error_class = :error_class, last_error = :message, updated_at = :now
WHERE id = :id AND state = 'running' AND claim_token = :token
RETURNING state, attempts
"""

OUTBOX_STATE = "SELECT state, claim_token FROM outbox WHERE id = ?"

APPEND_HISTORY = """
INSERT INTO outbox_errors (outbox_id, kind, attempt, at, error_class, message, detail, actor)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
"""

RESCUE_HISTORY = """
INSERT INTO outbox_errors (outbox_id, kind, attempt, at, error_class, message, detail, actor)
SELECT id, 'rescue', attempts, :now, 'ClaimExpired',
       'claim held since ' || claimed_at || ' passed the rescue horizon; '
       || CASE WHEN attempts >= max_attempts THEN 'no attempt left: dead'
               ELSE 'requeued' END,
       claim_token, NULL
FROM outbox WHERE state = 'running' AND claimed_at < :cutoff
"""

RESCUE = """
UPDATE outbox
SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'available' END,
    finished_at = CASE WHEN attempts >= max_attempts THEN :now END,
    claim_token = NULL, claimed_at = NULL, last_error_class = 'ClaimExpired',
    last_error = 'claim passed the rescue horizon', updated_at = :now
WHERE state = 'running' AND claimed_at < :cutoff
"""

REPLAY = """
UPDATE outbox
SET state = 'available', max_attempts = max(max_attempts, attempts + :extra),
    run_after = :now, finished_at = NULL, updated_at = :now
WHERE id IN (SELECT value FROM json_each(:ids)) AND state IN ('dead', 'cancelled')
RETURNING id, attempts
"""

CANCEL = """
UPDATE outbox
SET state = 'cancelled', finished_at = :now, updated_at = :now
WHERE id IN (SELECT value FROM json_each(:ids))
  AND state IN ('available', 'retryable', 'dead')
RETURNING id, attempts
"""

DELIVERY_COLUMNS = """
id, idempotency_key, destination, partner, flow, document_id, correlation_key, payload, state,
attempts, max_attempts, run_after, claim_token, claimed_at, result, last_error_class,
last_error, created_at, updated_at, finished_at
"""

DELIVERY = f"SELECT {DELIVERY_COLUMNS} FROM outbox WHERE id = ?"

DELIVERIES_BY_CORRELATION = (
    f"SELECT {DELIVERY_COLUMNS} FROM outbox WHERE correlation_key = ? ORDER BY id LIMIT ?"
)

HISTORY = """
SELECT kind, attempt, at, error_class, message, detail, actor
FROM outbox_errors WHERE outbox_id = ? ORDER BY id
"""

DEAD_LETTERS = """
SELECT id, idempotency_key, destination, partner, flow, correlation_key, state, attempts,
       last_error_class, last_error, created_at, updated_at
FROM outbox INDEXED BY outbox_dead  -- else the planner walks the whole table in id order
WHERE state IN ('dead', 'cancelled') AND state IN ('dead', :also)
  AND (:partner IS NULL OR partner = :partner)
  AND (:destination IS NULL OR destination = :destination)
  AND (:flow IS NULL OR flow = :flow)
  AND (:error_class IS NULL OR last_error_class = :error_class)
  AND (:older_than IS NULL OR updated_at < :older_than)
  AND id > :after
ORDER BY id
LIMIT :limit
"""

# --- inbound -------------------------------------------------------------------------------

INBOUND_BY_CONTENT = """
SELECT id FROM inbound WHERE partner = ? AND content_hash = ? AND state <> 'duplicate'
"""

INBOUND_BY_CONTROL = """
SELECT id FROM inbound
WHERE partner = ? AND control_ref = ? AND state <> 'duplicate' AND control_ref IS NOT NULL
"""

INSERT_INBOUND = """
INSERT INTO inbound (partner, channel, source_ref, content_hash, control_ref, size, raw, state,
                     reason, duplicate_of, received_at, updated_at)
VALUES (:partner, :channel, :source_ref, :content_hash, :control_ref, :size, :raw, :state,
        :reason, :duplicate_of, :now, :now)
RETURNING id
"""

INBOUND_STATE = "SELECT state, partner FROM inbound WHERE id = ?"

INBOUND_PARSED = """
UPDATE inbound SET state = 'parsed', control_ref = coalesce(:control_ref, control_ref),
       updated_at = :now
WHERE id = :id AND state = 'received'
RETURNING id
"""

INBOUND_REJECTED = """
UPDATE inbound SET state = 'rejected', reason = :reason, updated_at = :now
WHERE id = :id AND state = 'received'
RETURNING id
"""

INBOUND_DUPLICATE = """
UPDATE inbound SET state = 'duplicate', duplicate_of = :duplicate_of, reason = :reason,
       control_ref = coalesce(:control_ref, control_ref), updated_at = :now
WHERE id = :id AND state = 'received'
RETURNING id
"""

INBOUND_REPLAY = """
UPDATE inbound SET state = 'received', reason = NULL, updated_at = :now
WHERE id IN (SELECT value FROM json_each(:ids)) AND state = 'rejected'
RETURNING id
"""

INBOUND_COLUMNS = """
id, partner, channel, source_ref, content_hash, control_ref, size, raw, state, reason,
duplicate_of, received_at, updated_at
"""

INBOUND = f"SELECT {INBOUND_COLUMNS} FROM inbound WHERE id = ?"

INBOUND_LIST = f"""
SELECT {INBOUND_COLUMNS} FROM inbound
WHERE state = :state AND (:partner IS NULL OR partner = :partner) AND id > :after
ORDER BY id LIMIT :limit
"""

INBOUND_BY_SOURCE = f"""
SELECT {INBOUND_COLUMNS} FROM inbound WHERE partner = ? AND source_ref = ? ORDER BY id
"""

# --- documents -----------------------------------------------------------------------------

INSERT_DOCUMENT = """
INSERT INTO documents (idempotency_key, inbound_id, partner, flow, doc_type, correlation_key,
                       config_version, body, state, created_at, updated_at)
VALUES (:key, :inbound_id, :partner, :flow, :doc_type, :correlation_key, :config_version,
        :body, 'new', :now, :now)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id
"""

DOCUMENT_ID_BY_KEY = "SELECT id FROM documents WHERE idempotency_key = ?"

DOCUMENT_STATE = "SELECT state FROM documents WHERE id = ?"

DOCUMENT_MOVE = """
UPDATE documents SET state = :to, reason = :reason, updated_at = :now
WHERE id = :id AND state IN (SELECT value FROM json_each(:from))
RETURNING id
"""

DOCUMENT_COLUMNS = """
id, idempotency_key, inbound_id, partner, flow, doc_type, correlation_key, config_version,
body, state, reason, created_at, updated_at
"""

DOCUMENT = f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = ?"

DOCUMENTS_BY_CORRELATION = (
    f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE correlation_key = ? ORDER BY id LIMIT ?"
)

DOCUMENTS_BY_STATE = (
    f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE state = ?1 AND (?2 IS NULL OR flow = ?2)"
    " AND id > ?3 ORDER BY id LIMIT ?4"
)

DOCUMENT_BY_KEY = f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE idempotency_key = ?"

DOCUMENTS_BY_INBOUND = (
    f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE inbound_id = ? ORDER BY id LIMIT ?"
)

# --- audit and cursors ---------------------------------------------------------------------

AUDIT = """
INSERT INTO audit (at, actor, action, subject, details, content_hash)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING id
"""

AUDIT_LIST = """
SELECT id, at, actor, action, subject, details, content_hash FROM audit
WHERE (:subject IS NULL OR subject = :subject) AND (:before IS NULL OR id < :before)
ORDER BY id DESC LIMIT :limit
"""

CURSOR_GET = "SELECT value FROM cursors WHERE name = ?"

CURSORS = "SELECT name, value, updated_at FROM cursors ORDER BY name"

CURSOR_SET = """
INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
"""

# --- statistics ----------------------------------------------------------------------------

COUNT_INBOUND = "SELECT state, count(*) FROM inbound GROUP BY state"
COUNT_DOCUMENTS = "SELECT state, count(*) FROM documents GROUP BY state"
COUNT_OUTBOX_ALL = "SELECT count(*) FROM outbox"
COUNT_OUTBOX_WAITING = """
SELECT destination, state, count(*) FROM outbox WHERE state IN ('available', 'retryable')
GROUP BY destination, state
"""
COUNT_OUTBOX_RUNNING = """
SELECT destination, 'running', count(*) FROM outbox WHERE state = 'running'
GROUP BY destination
"""
COUNT_OUTBOX_FINISHED = """
SELECT destination, state, count(*) FROM outbox WHERE state IN ('dead', 'cancelled')
GROUP BY destination, state
"""
OLDEST_WAITING = """
SELECT destination, min(created_at) FROM outbox WHERE state IN ('available', 'retryable')
GROUP BY destination
"""
OLDEST_RUNNING = """
SELECT destination, min(created_at) FROM outbox WHERE state = 'running' GROUP BY destination
"""
COUNT_AUDIT = "SELECT count(*) FROM audit"
COUNT_CURSORS = "SELECT count(*) FROM cursors"
