-- Each case as the transparency report counts it, kept up to date in the transaction
-- of every change to the case, so a report is a GROUP BY over one half-year's rows and
-- never reads a demand document. `half_year` is `2026-H2`: text order is time order.
CREATE TABLE case_summaries (
    case_id            TEXT PRIMARY KEY REFERENCES cases (id),
    half_year          TEXT NOT NULL,
    received_at        TIMESTAMPTZ NOT NULL,
    authority_country  TEXT NOT NULL,
    instrument         TEXT NOT NULL,
    section            TEXT NOT NULL,
    customer           TEXT NOT NULL,
    accounts           BIGINT NOT NULL,
    outcome            TEXT NOT NULL,
    data_stored_abroad BOOLEAN NOT NULL,
    customer_notified  BOOLEAN NOT NULL
);
-- Covers the report's GROUP BY: an index-only scan of the half-years asked for.
CREATE INDEX case_summaries_by_period ON case_summaries (
    half_year, section, authority_country, instrument, customer, outcome,
    data_stored_abroad, customer_notified, accounts
);
CREATE INDEX case_summaries_by_section ON case_summaries (section, received_at);
