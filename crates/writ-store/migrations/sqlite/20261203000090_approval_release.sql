-- Who approved a case, when and why: {"by", "by_name", "reason", "at"} (an approval
-- or a redirection to the enterprise customer).
ALTER TABLE cases ADD COLUMN approval TEXT;
-- A case whose production was released is `released` until the authority's first
-- download (it used to stay `sealed`).
UPDATE cases SET state = 'released'
    WHERE state = 'sealed'
      AND EXISTS (SELECT 1 FROM productions p WHERE p.case_id = cases.id AND p.state = 'released');
