-- Times are TEXT in one fixed-width UTC form (2026-03-02T09:00:00.000000Z), so that
-- comparing and ordering them as text is comparing and ordering them as times.

CREATE TABLE cases (
    id                TEXT PRIMARY KEY NOT NULL,
    state             TEXT NOT NULL,
    reference         TEXT NOT NULL,
    authority_country TEXT NOT NULL,
    instrument        TEXT NOT NULL,
    emergency         INTEGER NOT NULL,
    received_at       TEXT NOT NULL,
    deadline          TEXT,
    decision          TEXT,
    opened_at         TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX cases_by_state_and_deadline ON cases (state, deadline);

-- Every version of the demand document, byte-exact as submitted.
CREATE TABLE demands (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    submitted_at TEXT NOT NULL,
    document     TEXT NOT NULL
) STRICT;
CREATE INDEX demands_by_case ON demands (case_id, id);

-- The audit log. `idx` is the leaf index in the ledger: dense, from 0, never reused.
-- `entry` holds the canonical bytes that the ledger hashes.
CREATE TABLE audit_events (
    idx     INTEGER PRIMARY KEY NOT NULL CHECK (idx >= 0),
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    case_id TEXT,
    entry   BLOB NOT NULL
) STRICT;
CREATE INDEX audit_events_by_case ON audit_events (case_id, idx);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

-- The next leaf index; appenders take it row-locked, so indices have no gaps.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL
) STRICT;
INSERT INTO audit_head (id, size) VALUES (1, 0);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    run_at       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    locked_by    TEXT,
    locked_until TEXT,
    finished_at  TEXT,
    last_error   TEXT,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE finished_at IS NULL;
