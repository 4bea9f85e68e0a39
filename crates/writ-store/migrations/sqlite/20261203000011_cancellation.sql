-- no-transaction
-- A demand withdrawn while it is collected: its production ends `cancelled`, and the
-- notices still owed about it end `cancelled`, never sent.
--
-- SQLite cannot change a CHECK in place: both tables are rebuilt by its documented
-- procedure (foreign keys off, one transaction, a foreign key check, keys on again).
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE productions_new (
    id           TEXT PRIMARY KEY NOT NULL,
    case_id      TEXT NOT NULL UNIQUE REFERENCES cases (id),
    state        TEXT NOT NULL CHECK (state IN ('collecting', 'sealed', 'released', 'cancelled')),
    items_total  INTEGER,
    items_done   INTEGER NOT NULL DEFAULT 0,
    bytes_done   INTEGER NOT NULL DEFAULT 0,
    file_name    TEXT,
    file_sha256  TEXT,
    file_size    INTEGER,
    manifest_sha256 TEXT,
    no_data      INTEGER,
    sealed_at    TEXT,
    released_by  TEXT,
    released_at  TEXT,
    created_at   TEXT NOT NULL
) STRICT;
INSERT INTO productions_new SELECT * FROM productions;
DROP TABLE productions;
ALTER TABLE productions_new RENAME TO productions;

CREATE TABLE notices_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    recipient  TEXT NOT NULL CHECK (recipient IN ('user', 'tenant_admin')),
    address    TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('pending', 'held', 'sent', 'cancelled')),
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body_html  TEXT NOT NULL DEFAULT '',
    not_before TEXT,
    hold_reason TEXT,
    sent_at    TEXT,
    sending_until TEXT
) STRICT;
INSERT INTO notices_new SELECT * FROM notices;
DROP TABLE notices;
ALTER TABLE notices_new RENAME TO notices;
CREATE INDEX notices_by_case ON notices (case_id, id);
CREATE INDEX notices_pending ON notices (state, case_id);

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
