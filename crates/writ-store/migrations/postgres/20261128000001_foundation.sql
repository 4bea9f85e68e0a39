CREATE TABLE cases (
    id                TEXT PRIMARY KEY,
    state             TEXT NOT NULL,
    reference         TEXT NOT NULL,
    authority_country TEXT NOT NULL,
    instrument        TEXT NOT NULL,
    emergency         BOOLEAN NOT NULL,
    received_at       TIMESTAMPTZ NOT NULL,
    deadline          TIMESTAMPTZ,
    decision          TEXT,
    opened_at         TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    version           BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX cases_by_state_and_deadline ON cases (state, deadline);

-- Every version of the demand document, byte-exact as submitted.
CREATE TABLE demands (
    id           BIGSERIAL PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    submitted_at TIMESTAMPTZ NOT NULL,
    document     TEXT NOT NULL
);
CREATE INDEX demands_by_case ON demands (case_id, id);

-- The audit log. `idx` is the leaf index in the ledger: dense, from 0, never reused.
-- `entry` holds the canonical bytes that the ledger hashes.
CREATE TABLE audit_events (
    idx     BIGINT PRIMARY KEY CHECK (idx >= 0),
    at      TIMESTAMPTZ NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    case_id TEXT,
    entry   BYTEA NOT NULL
);
CREATE INDEX audit_events_by_case ON audit_events (case_id, idx);

CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- The next leaf index; appenders take it row-locked, so indices have no gaps even
-- when transactions roll back (a sequence would leave holes).
CREATE TABLE audit_head (
    id   SMALLINT PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL
);
INSERT INTO audit_head (id, size) VALUES (1, 0);

CREATE TABLE jobs (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    run_at       TIMESTAMPTZ NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    locked_by    TEXT,
    locked_until TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ,
    last_error   TEXT,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE finished_at IS NULL;
