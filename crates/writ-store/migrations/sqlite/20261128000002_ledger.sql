-- The audit log's Merkle tree (RFC 6962), kept as Go sumdb/tlog "stored hashes": the
-- hashes appending event n creates, at stored-hash index stored_hash_index(0, n) on.
-- Written in the same transaction as the event; `writ audit verify` recomputes them.
CREATE TABLE audit_hashes (
    idx  INTEGER PRIMARY KEY NOT NULL CHECK (idx >= 0),
    hash BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

-- Signed checkpoints (C2SP tlog-checkpoint in a signed note), one per tree size.
CREATE TABLE audit_checkpoints (
    size      INTEGER PRIMARY KEY NOT NULL CHECK (size > 0),
    root      BLOB NOT NULL CHECK (length(root) = 32),
    note      BLOB NOT NULL,
    signed_at TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_hashes_no_update BEFORE UPDATE ON audit_hashes
BEGIN SELECT RAISE(ABORT, 'audit_hashes is append-only'); END;
CREATE TRIGGER audit_hashes_no_delete BEFORE DELETE ON audit_hashes
BEGIN SELECT RAISE(ABORT, 'audit_hashes is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
