-- What counsel decided about an assistance order asking for keys, access or capability
-- (route `counsel`): {"decision": "challenge" | "refuse", "reason", "deadline", "by",
-- "by_name", "at"}, the latest decision.
ALTER TABLE cases ADD COLUMN counsel TEXT;
