-- A demand withdrawn while it is collected: its production ends `cancelled`, and the
-- notices still owed about it end `cancelled`, never sent.
ALTER TABLE productions DROP CONSTRAINT productions_state_check,
    ADD CONSTRAINT productions_state_check
        CHECK (state IN ('collecting', 'sealed', 'released', 'cancelled'));
ALTER TABLE notices DROP CONSTRAINT notices_state_check,
    ADD CONSTRAINT notices_state_check
        CHECK (state IN ('pending', 'held', 'sent', 'cancelled'));
