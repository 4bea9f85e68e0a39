-- Productions: what collection gathers for an approved case, sealed and released.

-- The authority's age recipient (`age1…`): productions are encrypted to it, so only the
-- authority can open them.
ALTER TABLE agencies ADD COLUMN age_recipient TEXT;

CREATE TABLE productions (
    id           TEXT PRIMARY KEY NOT NULL,
    case_id      TEXT NOT NULL UNIQUE REFERENCES cases (id),
    state        TEXT NOT NULL CHECK (state IN ('collecting', 'sealed', 'released')),
    -- Known once the sources have listed the scope's items.
    items_total  INTEGER,
    items_done   INTEGER NOT NULL DEFAULT 0,
    bytes_done   INTEGER NOT NULL DEFAULT 0,
    -- Set at sealing: the sealed file (under the productions directory), its SHA-256
    -- and size, the manifest's SHA-256, and whether nothing was found.
    file_name    TEXT,
    file_sha256  TEXT,
    file_size    INTEGER,
    manifest_sha256 TEXT,
    no_data      INTEGER,
    sealed_at    TEXT,
    released_by  TEXT,
    released_at  TEXT,
    created_at   TEXT NOT NULL
) STRICT;

-- Each collected item once: a resumed collection skips what is here.
CREATE TABLE production_items (
    production_id TEXT NOT NULL REFERENCES productions (id),
    source        TEXT NOT NULL,
    account       TEXT NOT NULL,
    item_key      TEXT NOT NULL,
    path          TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    category      TEXT NOT NULL,
    item_time     TEXT,
    row_count     INTEGER,
    PRIMARY KEY (production_id, source, account, item_key),
    UNIQUE (production_id, path)
) STRICT;
