-- Each case's transparency secret (32 random bytes, given to the people notified as
-- their receipt) and its commitment (SHA-256 of the secret), the public record's key.
-- Kept beside the summary, the row a period's public records are read from. Cases
-- opened before get theirs when the store opens (`Store::open`), as random bytes
-- cannot be made the same way in SQL on both backends.
ALTER TABLE case_summaries ADD COLUMN secret BYTEA;
ALTER TABLE case_summaries ADD COLUMN commitment BYTEA;
-- A period's records in commitment order, the report tree's leaf order, read by key.
CREATE UNIQUE INDEX case_summaries_by_commitment ON case_summaries (half_year, commitment);
