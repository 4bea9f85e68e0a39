-- Notices gain two end states: `undeliverable` (the provider knows no address for the
-- account; shown on the case, never sent) and `cancelled` (the demand was withdrawn
-- before the notice could go).
ALTER TABLE notices DROP CONSTRAINT notices_state_check;
ALTER TABLE notices ADD CONSTRAINT notices_state_check
    CHECK (state IN ('pending', 'held', 'sent', 'undeliverable', 'cancelled'));
