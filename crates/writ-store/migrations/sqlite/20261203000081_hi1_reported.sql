-- The status last sent to the authority's HI-1 endpoint for each object: a change is
-- reported once.
ALTER TABLE hi1_objects ADD COLUMN reported TEXT;
