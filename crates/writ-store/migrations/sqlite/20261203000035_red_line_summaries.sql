-- Whether a case asked for encryption keys, direct access or a technical capability
-- (always refused): the report's red-line table counts them per country.
ALTER TABLE case_summaries ADD COLUMN red_line INTEGER NOT NULL DEFAULT 0;
-- The report's GROUP BY stays an index-only scan.
DROP INDEX case_summaries_by_period;
CREATE INDEX case_summaries_by_period ON case_summaries (
    half_year, section, authority_country, instrument, customer, outcome,
    data_stored_abroad, customer_notified, red_line, accounts
);
