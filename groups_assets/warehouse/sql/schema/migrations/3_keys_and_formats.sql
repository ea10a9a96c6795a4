-- Version 3: source formats and their keys (CONTRACT.md 7). Every row carries the source
-- system's own key (the id as decimal text for the rows already stored); the ids a format that
-- keys its records by text (servicenow) assigns are kept once per key; the schema records the one
-- format it holds (a schema already loaded holds the contract's) and every day applied to it;
-- rejects take any format's folder names.
ALTER TABLE groups ADD COLUMN group_key TEXT COLLATE "C";
UPDATE groups SET group_key = group_id::text;
ALTER TABLE groups ALTER COLUMN group_key SET NOT NULL;
ALTER TABLE groups ADD CONSTRAINT groups_group_key_key UNIQUE (group_key);
-- For the formats whose days are ordered (servicenow, zendesk): the day that last changed the
-- group's membership (NULL for the contract format).
ALTER TABLE groups ADD COLUMN members_day TEXT NULL;

ALTER TABLE agents ADD COLUMN agent_key TEXT COLLATE "C";
UPDATE agents SET agent_key = agent_id::text;
ALTER TABLE agents ALTER COLUMN agent_key SET NOT NULL;
ALTER TABLE agents ADD CONSTRAINT agents_agent_key_key UNIQUE (agent_key);

-- Once per key, never changed or reused: a parent or an agent named before its own record
-- arrives gets its id then.
CREATE TABLE group_keys (
    group_key TEXT COLLATE "C" PRIMARY KEY,
    group_id  BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE TABLE agent_keys (
    agent_key TEXT COLLATE "C" PRIMARY KEY,
    agent_id  BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);

-- The format the schema holds (one row): a day of another format is refused.
CREATE TABLE source_format (
    format      TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    one_row     BOOLEAN PRIMARY KEY DEFAULT true CHECK (one_row)
);
INSERT INTO source_format (format) SELECT 'contract' WHERE EXISTS (SELECT 1 FROM groups);

-- Every day applied to the schema, and when: the formats whose days are ordered compare a row's
-- day with the days after the one being applied.
CREATE TABLE applied_days (
    sync_day   TEXT PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL
);
INSERT INTO applied_days (sync_day, applied_at)
SELECT sync_day, now() FROM (SELECT sync_day FROM groups UNION SELECT sync_day FROM agents) d;

ALTER TABLE rejects DROP CONSTRAINT rejects_source_check;
