-- An admin disables an account at once (its tokens and sessions are refused from then);
-- re-enabling a reviewer, approver or admin waits for a second admin, like creating one.
ALTER TABLE users ADD COLUMN disabled_at TEXT;

-- What a change sets, as JSON (an agency's new e-mail domains, call-back number or age
-- recipient); none for a change to an account.
ALTER TABLE admin_changes ADD COLUMN details TEXT;

-- The changes waiting for a second admin, in the order they were asked for.
CREATE INDEX admin_changes_pending ON admin_changes (id) WHERE confirmed_at IS NULL;
