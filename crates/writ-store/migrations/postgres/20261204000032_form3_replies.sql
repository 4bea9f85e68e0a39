-- The provider's Form 3 on an EU order it cannot execute (Reg. (EU) 2023/1543 Annex
-- III): the reasons (a comma-separated list of their names) and the explanation. One
-- per case.
CREATE TABLE form3_replies (
    case_id      TEXT PRIMARY KEY REFERENCES cases (id),
    reasons      TEXT NOT NULL,
    explanation  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL
);
