-- 0001_initial: the store's tables.
--
-- The schema is the state machine. CHECK constraints say which states exist and which
-- columns each state requires (a running row has a claim, a finished row a finish time);
-- triggers say which transitions are legal, that a completed delivery never changes again,
-- that attempts never decrease, and that the error history and the audit log are only ever
-- appended to. The store's code checks states in its WHERE clauses; these are the backstop
-- that also holds for a hand-written UPDATE in the sqlite3 shell.
--
-- Times are REAL seconds since the epoch from the store's injected clock.

CREATE TABLE inbound (
    id            INTEGER PRIMARY KEY,
    partner       TEXT    NOT NULL CHECK (partner <> ''),
    channel       TEXT    NOT NULL CHECK (channel <> ''),
    source_ref    TEXT    NOT NULL,
    content_hash  TEXT    NOT NULL
                  CHECK (length(content_hash) = 64 AND content_hash NOT GLOB '*[^0-9a-f]*'),
    control_ref   TEXT    CHECK (control_ref <> ''),
    size          INTEGER NOT NULL CHECK (size >= 0),
    raw           BLOB    NOT NULL CHECK (length(raw) = size),
    state         TEXT    NOT NULL
                  CHECK (state IN ('received', 'parsed', 'rejected', 'duplicate')),
    reason        TEXT,
    duplicate_of  INTEGER REFERENCES inbound (id),
    received_at   REAL    NOT NULL,
    updated_at    REAL    NOT NULL,
    CHECK ((state = 'duplicate') = (duplicate_of IS NOT NULL)),
    CHECK ((state IN ('rejected', 'duplicate')) = (reason IS NOT NULL)),
    CHECK (duplicate_of IS NULL OR duplicate_of <> id)
) STRICT;

-- Duplicate detection and replay protection: among the rows that are not themselves
-- duplicates, a partner's content hash and interchange control reference are unique.
CREATE UNIQUE INDEX inbound_unique_content ON inbound (partner, content_hash)
    WHERE state <> 'duplicate';
CREATE UNIQUE INDEX inbound_unique_control ON inbound (partner, control_ref)
    WHERE state <> 'duplicate' AND control_ref IS NOT NULL;
CREATE INDEX inbound_by_state ON inbound (state, received_at);
CREATE INDEX inbound_by_source ON inbound (partner, source_ref);

CREATE TRIGGER inbound_transitions BEFORE UPDATE OF state ON inbound
WHEN NEW.state <> OLD.state AND OLD.state || '>' || NEW.state NOT IN (
    'received>parsed', 'received>rejected', 'received>duplicate', 'rejected>received')
BEGIN
    SELECT RAISE(ABORT, 'illegal inbound transition');
END;

CREATE TRIGGER inbound_content_is_immutable
BEFORE UPDATE OF partner, channel, source_ref, content_hash, size, raw, received_at ON inbound
BEGIN
    SELECT RAISE(ABORT, 'what was received never changes');
END;

CREATE TABLE documents (
    id               INTEGER PRIMARY KEY,
    idempotency_key  TEXT    NOT NULL UNIQUE CHECK (idempotency_key <> ''),
    inbound_id       INTEGER REFERENCES inbound (id),
    partner          TEXT    NOT NULL CHECK (partner <> ''),
    flow             TEXT    NOT NULL CHECK (flow <> ''),
    doc_type         TEXT    NOT NULL CHECK (doc_type <> ''),
    correlation_key  TEXT,
    config_version   TEXT    NOT NULL,
    body             TEXT    NOT NULL CHECK (json_valid(body)),
    state            TEXT    NOT NULL CHECK (state IN ('new', 'routed', 'dead', 'done')),
    reason           TEXT,
    created_at       REAL    NOT NULL,
    updated_at       REAL    NOT NULL,
    CHECK ((state = 'dead') = (reason IS NOT NULL))
) STRICT;

CREATE INDEX documents_by_correlation ON documents (correlation_key)
    WHERE correlation_key IS NOT NULL;
CREATE INDEX documents_by_inbound ON documents (inbound_id) WHERE inbound_id IS NOT NULL;
CREATE INDEX documents_by_state ON documents (state);

CREATE TRIGGER documents_transitions BEFORE UPDATE OF state ON documents
WHEN NEW.state <> OLD.state AND OLD.state || '>' || NEW.state NOT IN (
    'new>routed', 'new>dead', 'routed>done', 'routed>dead', 'dead>new')
BEGIN
    SELECT RAISE(ABORT, 'illegal document transition');
END;

CREATE TABLE outbox (
    id                INTEGER PRIMARY KEY,
    idempotency_key   TEXT    NOT NULL UNIQUE CHECK (idempotency_key <> ''),
    destination       TEXT    NOT NULL CHECK (destination <> ''),
    partner           TEXT    NOT NULL,
    flow              TEXT    NOT NULL,
    document_id       INTEGER REFERENCES documents (id),
    correlation_key   TEXT,
    payload           BLOB    NOT NULL,
    state             TEXT    NOT NULL CHECK (state IN (
                          'available', 'running', 'retryable', 'completed', 'dead', 'cancelled')),
    attempts          INTEGER NOT NULL CHECK (attempts >= 0),
    max_attempts      INTEGER NOT NULL CHECK (max_attempts >= 1),
    run_after         REAL    NOT NULL,
    claim_token       TEXT,
    claimed_at        REAL,
    result            TEXT,
    last_error_class  TEXT,
    last_error        TEXT,
    created_at        REAL    NOT NULL,
    updated_at        REAL    NOT NULL,
    finished_at       REAL,
    CHECK (attempts <= max_attempts),
    -- a claim exists exactly while the row is running
    CHECK ((state = 'running') = (claim_token IS NOT NULL)),
    CHECK ((state = 'running') = (claimed_at IS NOT NULL)),
    -- a row waiting for a worker still has an attempt left
    CHECK (state NOT IN ('available', 'retryable') OR attempts < max_attempts),
    CHECK ((state IN ('completed', 'dead', 'cancelled')) = (finished_at IS NOT NULL)),
    CHECK (state = 'completed' OR result IS NULL),
    CHECK (state NOT IN ('retryable', 'dead') OR last_error_class IS NOT NULL)
) STRICT;

-- Claims walk this index in run_after order and stop after LIMIT rows. The indexes over
-- states are partial: a row costs index upkeep only while it is in one of their states,
-- and the statistics count each state from its own small index instead of the table.
CREATE INDEX outbox_claimable ON outbox (destination, run_after)
    WHERE state IN ('available', 'retryable');
CREATE INDEX outbox_running ON outbox (claimed_at) WHERE state = 'running';
CREATE INDEX outbox_dead ON outbox (destination, state) WHERE state IN ('dead', 'cancelled');
CREATE INDEX outbox_by_correlation ON outbox (correlation_key)
    WHERE correlation_key IS NOT NULL;

CREATE TRIGGER outbox_transitions BEFORE UPDATE OF state ON outbox
WHEN NEW.state <> OLD.state AND OLD.state || '>' || NEW.state NOT IN (
    'available>running', 'available>cancelled',
    'retryable>running', 'retryable>cancelled',
    'running>completed', 'running>retryable', 'running>dead', 'running>available',
    'dead>available', 'dead>cancelled',
    'cancelled>available')
BEGIN
    SELECT RAISE(ABORT, 'illegal outbox transition');
END;

CREATE TRIGGER outbox_completed_is_final BEFORE UPDATE ON outbox
WHEN OLD.state = 'completed'
BEGIN
    SELECT RAISE(ABORT, 'a completed delivery never changes');
END;

CREATE TRIGGER outbox_attempts_never_decrease BEFORE UPDATE OF attempts ON outbox
WHEN NEW.attempts < OLD.attempts
BEGIN
    SELECT RAISE(ABORT, 'attempts never decrease');
END;

CREATE TRIGGER outbox_delivery_is_immutable
BEFORE UPDATE OF idempotency_key, destination, partner, flow, payload, created_at ON outbox
BEGIN
    SELECT RAISE(ABORT, 'what is delivered never changes');
END;

CREATE TRIGGER outbox_pending_rows_stay BEFORE DELETE ON outbox
WHEN OLD.state NOT IN ('completed', 'cancelled')
BEGIN
    SELECT RAISE(ABORT, 'only finished deliveries may be deleted');
END;

-- The history of a delivery: every failure, and every rescue, replay and cancellation.
-- Appended, never overwritten.
CREATE TABLE outbox_errors (
    id           INTEGER PRIMARY KEY,
    outbox_id    INTEGER NOT NULL REFERENCES outbox (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('failure', 'rescue', 'replay', 'cancel')),
    attempt      INTEGER NOT NULL CHECK (attempt >= 0),
    at           REAL    NOT NULL,
    error_class  TEXT,
    message      TEXT    NOT NULL,
    detail       TEXT,
    actor        TEXT,
    CHECK (kind NOT IN ('failure', 'rescue') OR error_class IS NOT NULL),
    CHECK (kind NOT IN ('replay', 'cancel') OR actor IS NOT NULL)
) STRICT;

CREATE INDEX outbox_errors_by_row ON outbox_errors (outbox_id, id);

CREATE TRIGGER outbox_errors_no_update BEFORE UPDATE ON outbox_errors
BEGIN
    SELECT RAISE(ABORT, 'the error history is append-only');
END;

CREATE TRIGGER outbox_errors_no_delete BEFORE DELETE ON outbox_errors
BEGIN
    SELECT RAISE(ABORT, 'the error history is append-only');
END;

CREATE TABLE audit (
    id            INTEGER PRIMARY KEY,
    at            REAL    NOT NULL,
    actor         TEXT    NOT NULL CHECK (actor <> ''),
    action        TEXT    NOT NULL CHECK (action <> ''),
    subject       TEXT    NOT NULL,
    details       TEXT    NOT NULL
                  CHECK (json_valid(details) AND json_type(details) = 'object'),
    content_hash  TEXT    CHECK (
                      content_hash IS NULL
                      OR (length(content_hash) = 64 AND content_hash NOT GLOB '*[^0-9a-f]*'))
) STRICT;

CREATE INDEX audit_by_subject ON audit (subject, id);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TABLE cursors (
    name        TEXT NOT NULL PRIMARY KEY CHECK (name <> ''),
    value       TEXT NOT NULL,
    updated_at  REAL NOT NULL
) STRICT, WITHOUT ROWID;
