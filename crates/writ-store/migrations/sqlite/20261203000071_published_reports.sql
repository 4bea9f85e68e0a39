-- Each publication of a period's transparency report: the tree of its frozen records,
-- the checkpoint its figures were counted at, a correction's reason, and the audit
-- event (report.published or report.corrected) that bound it to the log.
CREATE TABLE published_reports (
    period          TEXT NOT NULL,
    version         INTEGER NOT NULL,
    published_at    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    root            TEXT NOT NULL,
    checkpoint_size BIGINT NOT NULL,
    checkpoint_root TEXT NOT NULL,
    checkpoint_note TEXT NOT NULL,
    reason          TEXT,
    event_index     BIGINT NOT NULL,
    event           TEXT NOT NULL,
    PRIMARY KEY (period, version)
);
-- The records of each publication, frozen: a later change to a case is published
-- only as a new version. Read in commitment order, the tree's leaf order.
CREATE TABLE published_records (
    period             TEXT NOT NULL,
    version            INTEGER NOT NULL,
    commitment         BLOB NOT NULL,
    month              TEXT NOT NULL,
    country            TEXT NOT NULL,
    instrument         TEXT NOT NULL,
    section            TEXT NOT NULL,
    customer           TEXT NOT NULL,
    accounts           BIGINT NOT NULL,
    outcome            TEXT NOT NULL,
    customer_notified  BOOLEAN NOT NULL,
    data_stored_abroad BOOLEAN NOT NULL,
    red_line           BOOLEAN NOT NULL,
    PRIMARY KEY (period, version, commitment)
);
