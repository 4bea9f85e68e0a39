-- Each publication's records cut into chunks of 1024 in leaf order: the last
-- commitment of each chunk and the root of its leaves, so that a record's inclusion
-- proof reads one chunk and these roots rather than every record of the period.
-- Publications made before this table have their chunks written at their first proof.
CREATE TABLE published_chunks (
    period          TEXT NOT NULL,
    version         INTEGER NOT NULL,
    chunk           BIGINT NOT NULL,
    last_commitment BLOB NOT NULL,
    root            BLOB NOT NULL,
    PRIMARY KEY (period, version, chunk)
);
