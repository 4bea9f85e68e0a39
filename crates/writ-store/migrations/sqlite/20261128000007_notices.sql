-- Notices that send themselves, the gag register, and preservation holds.

-- A notice waits in the outbox until `not_before` and until no gag on its case is in
-- force; `held` is a member of staff's decision, with its legal reason.
ALTER TABLE notices ADD COLUMN body_html TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN not_before TEXT;
ALTER TABLE notices ADD COLUMN hold_reason TEXT;
ALTER TABLE notices ADD COLUMN sent_at TEXT;
-- A worker that is sending it holds it until then, so two workers never send it twice.
ALTER TABLE notices ADD COLUMN sending_until TEXT;
CREATE INDEX notices_pending ON notices (state, case_id);

-- Every non-disclosure order: its basis and expiry (none: indefinite), and what a
-- court did to it later.
CREATE TABLE gags (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    TEXT NOT NULL UNIQUE REFERENCES cases (id),
    basis      TEXT,
    until      TEXT,
    lifted_at  TEXT,
    created_at TEXT NOT NULL
) STRICT;

-- What a preservation demand keeps from deletion: one account's category, until the
-- hold expires (later once, if the rule allows an extension).
CREATE TABLE holds (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id        TEXT NOT NULL REFERENCES cases (id),
    account        TEXT NOT NULL,
    category       TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    extension_days INTEGER NOT NULL,
    extended_at    TEXT,
    expired_at     TEXT,
    created_at     TEXT NOT NULL,
    UNIQUE (case_id, account, category)
) STRICT;
CREATE INDEX holds_by_account ON holds (account, expires_at);

-- Deadline escalations sent to the on-call approver: each step of each case once
-- ('page' for an emergency at once, else the fraction of the time gone, like '0.75').
CREATE TABLE escalations (
    case_id  TEXT NOT NULL REFERENCES cases (id),
    step     TEXT NOT NULL,
    notified TEXT NOT NULL,
    at       TEXT NOT NULL,
    PRIMARY KEY (case_id, step)
) STRICT;
