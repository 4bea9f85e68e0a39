-- A production order that follows a preservation (Reg. (EU) 2023/1543 Art. 11): an
-- HI-1 LDTask naming the authority's earlier LPTask. The preservation's holds are kept
-- past their expiry until the production case is answered.
CREATE TABLE preservation_followups (
    preservation_case  TEXT NOT NULL REFERENCES cases (id),
    production_case    TEXT NOT NULL REFERENCES cases (id),
    task_id            TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    PRIMARY KEY (preservation_case, production_case)
) STRICT;
