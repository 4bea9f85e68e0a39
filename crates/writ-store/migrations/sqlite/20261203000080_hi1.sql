-- ETSI TS 103 120 (HI-1): the objects an authority created through POST /api/v1/hi1,
-- each on the case its authorisation opened. A task keeps its own status: cancelling
-- one (an UPDATE to Cancelled) marks it; the case is withdrawn with its last task.
CREATE TABLE hi1_objects (
    agency_id    TEXT NOT NULL REFERENCES agencies (id),
    -- The sender's ObjectIdentifier (a UUID): unique per sender.
    object_id    TEXT NOT NULL,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    kind         TEXT NOT NULL CHECK (kind IN ('Authorisation', 'LDTask', 'LPTask', 'Document')),
    cancelled_at TEXT,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (agency_id, object_id)
) STRICT;
CREATE INDEX hi1_objects_by_case ON hi1_objects (case_id);

-- The answer to each HI-1 message taken, by sender and TransactionIdentifier: a repeated
-- message gets the first answer back and changes nothing.
CREATE TABLE hi1_transactions (
    agency_id      TEXT NOT NULL REFERENCES agencies (id),
    transaction_id TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    answer         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (agency_id, transaction_id)
) STRICT;
