-- Who works the case (a reviewer or approver who took it), for the queue's assignee
-- column and its "mine" filter: a range of (assignee, queue_key).
ALTER TABLE cases ADD COLUMN assignee TEXT REFERENCES users (id);
CREATE INDEX cases_by_assignee_queue ON cases (assignee, queue_key);
-- When the instrument expires (the demand's `instrument.expires_at`), for the queue's
-- deadline column when no deadline runs. Written when the case opens.
ALTER TABLE cases ADD COLUMN expires_at TEXT;
