-- An authority's own list pages newest first by (received_at, id): one range of this
-- index per page.
DROP INDEX cases_by_agency;
CREATE INDEX cases_by_agency ON cases (agency_id, received_at, id);
