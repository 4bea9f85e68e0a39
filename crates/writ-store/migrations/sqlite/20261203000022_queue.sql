-- The paged queue. `queue_key` is the queue's order as one text (emergencies first,
-- then deadline, none last, then received, then id), written by the store when the
-- case opens (none of its parts changes), so a page is a range of one index.
ALTER TABLE cases ADD COLUMN queue_key TEXT NOT NULL DEFAULT '';
-- The reference, lower-cased, for search by exact reference or prefix in any case.
ALTER TABLE cases ADD COLUMN reference_key TEXT NOT NULL DEFAULT '';
UPDATE cases SET
    queue_key = (CASE WHEN emergency THEN '0' ELSE '1' END) || COALESCE(deadline, '~')
        || '|' || received_at || '|' || id,
    reference_key = lower(reference);
CREATE INDEX cases_queue ON cases (queue_key);
-- The default queue: cases not in a final state (the WHERE is the queue's own).
CREATE INDEX cases_open_queue ON cases (queue_key)
    WHERE state NOT IN ('delivered', 'rejected', 'redirected', 'withdrawn', 'closed');
CREATE INDEX cases_by_state_queue ON cases (state, queue_key);
CREATE INDEX cases_by_reference ON cases (reference_key);
CREATE INDEX cases_by_country_queue ON cases (authority_country, queue_key);
CREATE INDEX cases_by_instrument_queue ON cases (instrument, queue_key);
CREATE INDEX cases_by_agency_queue ON cases (agency_id, queue_key);
CREATE INDEX cases_by_received ON cases (received_at);
CREATE INDEX cases_by_deadline ON cases (deadline);

-- Each specific target of a case's demand, as intake normalised it, for search.
CREATE TABLE case_targets (
    value   TEXT NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    PRIMARY KEY (value, case_id)
) STRICT;
-- Cases from before: their targets' values as written, trimmed and lower-cased.
INSERT OR IGNORE INTO case_targets (value, case_id)
SELECT lower(trim(json_extract(t.value, '$.value'))), d.case_id
FROM demands d, json_each(d.document, '$.targets') t
WHERE json_extract(t.value, '$.value') IS NOT NULL;
