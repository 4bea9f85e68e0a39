-- A client that retries a submission after a timeout sends the same Idempotency-Key:
-- it gets the case its first request opened, not a second one. Kept at least 24 hours.
CREATE TABLE idempotency_keys (
    agency_id   TEXT NOT NULL REFERENCES agencies (id),
    key         TEXT NOT NULL,
    -- SHA-256 of the request body: the same key with another body is refused.
    body_sha256 TEXT NOT NULL,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (agency_id, key)
) STRICT;
