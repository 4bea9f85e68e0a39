-- Start-up backfills that have run to completion, by name. `Store::open` skips the
-- check behind a name recorded here (`case_summaries`: an anti-join over every case,
-- seconds at a million). A later migration that needs a backfill to run again deletes
-- its row; a store upgraded to this one starts with none, so each runs once more.
CREATE TABLE completed_backfills (
    name TEXT PRIMARY KEY NOT NULL
) STRICT;
