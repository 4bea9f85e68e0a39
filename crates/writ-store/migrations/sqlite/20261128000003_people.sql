-- Authorities and their people, staff, credentials, and what a case gathers on its way.

-- An authority that may submit demands. Its users' e-mail domains must be on its list;
-- `callback_phone` is the number writ's staff call back before an emergency disclosure,
-- kept here so it never comes from a demand.
CREATE TABLE agencies (
    id             TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL,
    country        TEXT NOT NULL,
    email_domains  TEXT NOT NULL,
    callback_phone TEXT NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id             TEXT PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL CHECK (role IN ('reviewer', 'approver', 'admin', 'auditor', 'agency')),
    agency_id      TEXT REFERENCES agencies (id),
    password_hash  TEXT NOT NULL,
    totp_secret    TEXT NOT NULL,
    totp_last_step INTEGER,
    created_at     TEXT NOT NULL,
    CHECK ((role = 'agency') = (agency_id IS NOT NULL))
) STRICT;

-- Secrets are stored only as SHA-256 hashes.
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;

ALTER TABLE cases ADD COLUMN agency_id TEXT REFERENCES agencies (id);
-- The reviewer's recommendation: {"by", "recommendation", "reason", "scope", "at"}.
ALTER TABLE cases ADD COLUMN recommendation TEXT;
-- What was approved for disclosure (a scope), once approved.
ALTER TABLE cases ADD COLUMN scope TEXT;
-- Why it was rejected, as the authority is told.
ALTER TABLE cases ADD COLUMN rejection_reason TEXT;
CREATE INDEX cases_by_agency ON cases (agency_id, received_at);

-- The thread between the provider and the authority (clarifications, answers).
CREATE TABLE case_messages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id        TEXT NOT NULL REFERENCES cases (id),
    author         TEXT NOT NULL,
    from_authority INTEGER NOT NULL,
    body           TEXT NOT NULL,
    at             TEXT NOT NULL
) STRICT;
CREATE INDEX case_messages_by_case ON case_messages (case_id, id);

-- Emergency call-backs: who called which number (from `agencies`), when, and the outcome.
CREATE TABLE callbacks (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id   TEXT NOT NULL REFERENCES cases (id),
    caller    TEXT NOT NULL,
    number    TEXT NOT NULL,
    called_at TEXT NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('confirmed', 'not_confirmed', 'no_answer')),
    notes     TEXT NOT NULL
) STRICT;
CREATE INDEX callbacks_by_case ON callbacks (case_id, id);

-- Notices owed to someone about a case (sent by the notices issue; recorded here).
CREATE TABLE notices (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    recipient  TEXT NOT NULL CHECK (recipient IN ('user', 'tenant_admin')),
    address    TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('pending', 'held', 'sent')),
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX notices_by_case ON notices (case_id, id);
