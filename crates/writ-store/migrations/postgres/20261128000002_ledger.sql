-- The audit log's Merkle tree (RFC 6962), kept as Go sumdb/tlog "stored hashes": the
-- hashes appending event n creates, at stored-hash index stored_hash_index(0, n) on.
-- Written in the same transaction as the event; `writ audit verify` recomputes them.
CREATE TABLE audit_hashes (
    idx  BIGINT PRIMARY KEY CHECK (idx >= 0),
    hash BYTEA NOT NULL CHECK (length(hash) = 32)
);

-- Signed checkpoints (C2SP tlog-checkpoint in a signed note), one per tree size.
CREATE TABLE audit_checkpoints (
    size      BIGINT PRIMARY KEY CHECK (size > 0),
    root      BYTEA NOT NULL CHECK (length(root) = 32),
    note      BYTEA NOT NULL,
    signed_at TIMESTAMPTZ NOT NULL
);

CREATE TRIGGER audit_hashes_no_change BEFORE UPDATE OR DELETE ON audit_hashes
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER audit_hashes_no_truncate BEFORE TRUNCATE ON audit_hashes
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
