-- Each publication's records cut into chunks of 1024 in leaf order: the last
-- commitment of each chunk and the root of its leaves, so that a record's inclusion
-- proof reads one chunk and these roots rather than every record of the period.
-- Publications made before this table have their chunks written at their first proof.
CREATE TABLE published_chunks (
    period          TEXT NOT NULL,
    version         BIGINT NOT NULL,
    chunk           BIGINT NOT NULL,
    last_commitment BYTEA NOT NULL,
    root            BYTEA NOT NULL,
    PRIMARY KEY (period, version, chunk)
);
