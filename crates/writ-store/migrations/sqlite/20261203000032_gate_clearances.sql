-- Gates that a person clears with a reason (policy §6: the conflict of laws for EPOC
-- content, the 48-hour validation of an EU emergency order). At most one per code.
CREATE TABLE gate_clearances (
    case_id     TEXT NOT NULL REFERENCES cases (id),
    code        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    cleared_by  TEXT NOT NULL,
    cleared_at  TEXT NOT NULL,
    PRIMARY KEY (case_id, code)
) STRICT;
