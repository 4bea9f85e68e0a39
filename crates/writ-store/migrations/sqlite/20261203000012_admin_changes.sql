-- Four eyes on accounts: a reviewer, approver or admin account an admin creates waits
-- for a second admin's confirmation, and cannot sign in or use its token until then.
CREATE TABLE admin_changes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- `user.added` (the only kind yet).
    kind         TEXT NOT NULL,
    -- What it changes: a user's id.
    subject      TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at TEXT NOT NULL,
    confirmed_by TEXT REFERENCES users (id),
    confirmed_at TEXT
) STRICT;

-- The change a user waits for; none for an account in use.
ALTER TABLE users ADD COLUMN awaiting_change INTEGER REFERENCES admin_changes (id);
