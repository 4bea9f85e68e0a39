-- Each frozen record's canonical JSON, exactly the leaf's bytes, written when it is
-- published: `records.jsonl` streams it as stored instead of writing every record
-- again. Publications made before this column have none and are written again.
ALTER TABLE published_records ADD COLUMN line TEXT;
