-- Indexes a bulk load of past cases dropped, to build again once it is written
-- (recorded in the transaction that drops them, so a load that never finishes has
-- them rebuilt the next time the store opens).
CREATE TABLE bulk_load_indexes (
    name       TEXT PRIMARY KEY NOT NULL,
    definition TEXT NOT NULL
) STRICT;
