-- The decision's route, kept beside it so the queue can filter on it (the counsel view:
-- assistance orders asking for keys, access or capability).
ALTER TABLE cases ADD COLUMN route TEXT;
UPDATE cases SET route = decision::jsonb ->> 'route' WHERE decision IS NOT NULL;
CREATE INDEX cases_by_route_queue ON cases (route, queue_key);
