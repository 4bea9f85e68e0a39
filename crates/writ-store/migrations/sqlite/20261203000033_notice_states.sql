-- Notices gain two end states: `undeliverable` (the provider knows no address for the
-- account; shown on the case, never sent) and `cancelled` (the demand was withdrawn
-- before the notice could go). SQLite cannot change a CHECK, so the table is rebuilt.
CREATE TABLE notices_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id       TEXT NOT NULL REFERENCES cases (id),
    recipient     TEXT NOT NULL CHECK (recipient IN ('user', 'tenant_admin')),
    address       TEXT NOT NULL,
    state         TEXT NOT NULL
                  CHECK (state IN ('pending', 'held', 'sent', 'undeliverable', 'cancelled')),
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    body_html     TEXT NOT NULL DEFAULT '',
    not_before    TEXT,
    hold_reason   TEXT,
    sent_at       TEXT,
    sending_until TEXT
) STRICT;
INSERT INTO notices_new (id, case_id, recipient, address, state, subject, body, created_at,
                         body_html, not_before, hold_reason, sent_at, sending_until)
    SELECT id, case_id, recipient, address, state, subject, body, created_at,
           body_html, not_before, hold_reason, sent_at, sending_until
    FROM notices;
DROP TABLE notices;
ALTER TABLE notices_new RENAME TO notices;
CREATE INDEX notices_by_case ON notices (case_id, id);
CREATE INDEX notices_pending ON notices (state, case_id);
