-- The enforcing authority's answer to an EU order's notification (Reg. (EU) 2023/1543
-- Arts 10(2), 12): no grounds for refusal, or grounds raised. At most one per case.
CREATE TABLE enforcing_authority_answers (
    case_id      TEXT PRIMARY KEY REFERENCES cases (id),
    outcome      TEXT NOT NULL CHECK (outcome IN ('no_grounds', 'grounds_raised')),
    reason       TEXT NOT NULL,
    answered_by  TEXT NOT NULL,
    answered_at  TIMESTAMPTZ NOT NULL
);
