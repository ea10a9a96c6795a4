-- The pipeline's tables (CONTRACT.md section 3). Idempotent: safe to run before every day.
-- parent_group_id and group_membership.agent_id carry no foreign keys: orphans are kept.
CREATE TABLE IF NOT EXISTS groups (
    group_id        BIGINT PRIMARY KEY,
    group_key       TEXT COLLATE "C" NOT NULL CONSTRAINT groups_group_key_key UNIQUE,
    name            TEXT NOT NULL,
    parent_group_id BIGINT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    inactive        BOOLEAN NOT NULL,
    deleted         BOOLEAN NOT NULL DEFAULT false,
    sync_day        TEXT NOT NULL,
    members_day     TEXT NULL
) WITH (fillfactor = 90);  -- room on each page for the daily flag updates to stay HOT
-- group_key: the source system's own key (CONTRACT.md 7): the id as decimal text, or a
-- ServiceNow sys_id. members_day: for the formats whose days are ordered (servicenow, zendesk),
-- the day that last changed the group's membership (NULL for the contract format).
-- The inactive walk goes from a group to its parent; the orphan check from a parent id to groups.
CREATE INDEX IF NOT EXISTS groups_parent_group_id_idx ON groups (parent_group_id);
-- When the group last became inactive (transaction time of that day); NULL while it is active.
-- Added to databases loaded before history existed: their inactive groups get the time of the
-- first run that sees them (history/groups_start.sql). Only when missing: even with IF NOT EXISTS,
-- ALTER TABLE takes an exclusive lock that would wait for (and then block) every reader.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'groups' AND column_name = 'inactive_since'
    ) THEN
        ALTER TABLE groups ADD COLUMN inactive_since TIMESTAMPTZ NULL;
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS group_membership (
    group_id BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    PRIMARY KEY (group_id, agent_id)
);
-- No index on agent_id: the pipeline's statements join memberships to agents by hash, and a
-- second index would cost every load. Add one if your own queries look up groups by agent.

CREATE TABLE IF NOT EXISTS agents (
    agent_id   BIGINT PRIMARY KEY,
    agent_key  TEXT COLLATE "C" NOT NULL CONSTRAINT agents_agent_key_key UNIQUE,
    name       TEXT,
    email      TEXT,
    active     BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NULL,
    sync_day   TEXT NOT NULL
);

-- One row per rejected record. (sync_day, source, source_file, record_no) names the record,
-- so re-running a day updates its rejects in place instead of adding copies.
CREATE TABLE IF NOT EXISTS rejects (
    sync_day    TEXT NOT NULL,
    source      TEXT NOT NULL,  -- the folder the record came from (admin_groups, sys_user, ...)
    source_file TEXT NOT NULL,
    record_no   BIGINT NOT NULL,
    raw_record  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    rejected_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (sync_day, source, source_file, record_no)
);

-- Every version of every group (a type 2 slowly changing dimension, transaction time): a version
-- opens when a group is first loaded and whenever its name, parent, deleted or inactive flag
-- changes; opening one closes the previous at the same instant (the day's transaction time), so
-- the versions of a group meet and never overlap. The open version has valid_to NULL.
CREATE TABLE IF NOT EXISTS group_history (
    group_id        BIGINT NOT NULL,
    name            TEXT NOT NULL,
    parent_group_id BIGINT NULL,
    deleted         BOOLEAN NOT NULL,
    inactive        BOOLEAN NOT NULL,
    valid_from      TIMESTAMPTZ NOT NULL,
    valid_to        TIMESTAMPTZ NULL,
    sync_day        TEXT NOT NULL,
    PRIMARY KEY (group_id, valid_from),
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);
-- At most one open version per group; also how the day finds the open versions it compares.
CREATE UNIQUE INDEX IF NOT EXISTS group_history_open_idx ON group_history (group_id) WHERE valid_to IS NULL;

-- Every version of every membership: a (group, agent) pair is a member from valid_from to
-- valid_to (NULL: still), in transaction time like group_history; a pair removed and added
-- again has two versions. sync_day: the day that caused the version.
CREATE TABLE IF NOT EXISTS membership_history (
    group_id   BIGINT NOT NULL,
    agent_id   BIGINT NOT NULL,
    valid_from TIMESTAMPTZ NOT NULL,
    valid_to   TIMESTAMPTZ NULL,
    sync_day   TEXT NOT NULL,
    PRIMARY KEY (group_id, agent_id, valid_from),
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE UNIQUE INDEX IF NOT EXISTS membership_history_open_idx
    ON membership_history (group_id, agent_id) WHERE valid_to IS NULL;

-- Every version of every agent (name, email, active), as group_history keeps groups.
CREATE TABLE IF NOT EXISTS agent_history (
    agent_id   BIGINT NOT NULL,
    name       TEXT,
    email      TEXT,
    active     BOOLEAN NOT NULL,
    valid_from TIMESTAMPTZ NOT NULL,
    valid_to   TIMESTAMPTZ NULL,
    sync_day   TEXT NOT NULL,
    PRIMARY KEY (agent_id, valid_from),
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE UNIQUE INDEX IF NOT EXISTS agent_history_open_idx ON agent_history (agent_id) WHERE valid_to IS NULL;
-- effective_membership_at walks down the hierarchy as it was: from a group to its children.
CREATE INDEX IF NOT EXISTS group_history_parent_idx ON group_history (parent_group_id);

-- Effective membership (README: Who belonged where): an agent is an effective member of a group
-- when it belongs to the group or to any group below it, at any depth, through the links of the
-- inactive rule (CONTRACT.md 5: deleted groups break them; a cycle ends). One row per way in:
-- the group below (via_group_id) the agent belongs to, and how far below it is (depth, 0 for the
-- group itself; on a cycle, the shortest way). Walked down from the one group asked for, by key
-- lookups (groups_parent_group_id_idx, the primary keys), so one group's members take
-- milliseconds whatever the size of the tables.
CREATE OR REPLACE FUNCTION effective_members_of(of_group BIGINT)
RETURNS TABLE (agent_id BIGINT, via_group_id BIGINT, depth INT)
LANGUAGE sql STABLE AS $$
    -- Each step is a key lookup (the LATERAL subqueries with OFFSET 0 cannot become joins, which
    -- the planner may otherwise choose, reading whole tables, when it expects many rows).
    WITH RECURSIVE below (via_group_id, depth) AS (
        SELECT g.group_id, 0 FROM groups g WHERE g.group_id = of_group AND NOT g.deleted
        UNION ALL
        SELECT c.group_id, b.depth + 1
        FROM below b
        CROSS JOIN LATERAL (
            SELECT c.group_id FROM groups c
            WHERE c.parent_group_id = b.via_group_id AND NOT c.deleted
            OFFSET 0
        ) c
    ) CYCLE via_group_id SET on_cycle USING path
    SELECT m.agent_id, w.via_group_id, w.depth
    FROM (SELECT via_group_id, min(depth) AS depth FROM below WHERE NOT on_cycle GROUP BY via_group_id) w
    CROSS JOIN LATERAL (
        SELECT m.agent_id FROM group_membership m WHERE m.group_id = w.via_group_id OFFSET 0
    ) m
$$;

-- Created when missing only: replacing a view every day would wait for (then block) its readers.
DO $$
BEGIN
    IF to_regclass('effective_membership') IS NULL THEN
        CREATE VIEW effective_membership AS
        SELECT g.group_id, e.agent_id, e.via_group_id, e.depth
        FROM groups g
        CROSS JOIN LATERAL effective_members_of(g.group_id) e;
    END IF;
END
$$;

-- The same at a past instant, from the history tables: the hierarchy as it was at `at` (each
-- group's version valid then) and the memberships as they were. All groups, or `of_group` only.
CREATE OR REPLACE FUNCTION effective_membership_at(at TIMESTAMPTZ, of_group BIGINT DEFAULT NULL)
RETURNS TABLE (group_id BIGINT, agent_id BIGINT, via_group_id BIGINT, depth INT)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE below (group_id, via_group_id, depth) AS (
        SELECT h.group_id, h.group_id, 0
        FROM group_history h
        WHERE (of_group IS NULL OR h.group_id = of_group)
          AND h.valid_from <= at AND (h.valid_to IS NULL OR h.valid_to > at)
          AND NOT h.deleted
        UNION ALL
        SELECT b.group_id, c.group_id, b.depth + 1
        FROM below b
        CROSS JOIN LATERAL (
            SELECT c.group_id FROM group_history c
            WHERE c.parent_group_id = b.via_group_id
              AND c.valid_from <= at AND (c.valid_to IS NULL OR c.valid_to > at)
              AND NOT c.deleted
            OFFSET 0
        ) c
    ) CYCLE via_group_id SET on_cycle USING path
    SELECT w.group_id, m.agent_id, w.via_group_id, w.depth
    FROM (
        SELECT group_id, via_group_id, min(depth) AS depth
        FROM below WHERE NOT on_cycle GROUP BY group_id, via_group_id
    ) w
    CROSS JOIN LATERAL (
        SELECT m.agent_id FROM membership_history m
        WHERE m.group_id = w.via_group_id
          AND m.valid_from <= at AND (m.valid_to IS NULL OR m.valid_to > at)
        OFFSET 0
    ) m
$$;

-- The ids a format that keys its records by text (servicenow) assigns: once per key, never
-- changed or reused. A parent or an agent named before its own record arrives gets its id then.
CREATE TABLE IF NOT EXISTS group_keys (
    group_key TEXT COLLATE "C" PRIMARY KEY,
    group_id  BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE TABLE IF NOT EXISTS agent_keys (
    agent_key TEXT COLLATE "C" PRIMARY KEY,
    agent_id  BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);

-- The format the schema holds (one row): a day of another format is refused.
CREATE TABLE IF NOT EXISTS source_format (
    format      TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    one_row     BOOLEAN PRIMARY KEY DEFAULT true CHECK (one_row)
);

-- Every day applied to the schema, and when: the formats whose days are ordered compare a row's
-- day with the days after the one being applied.
CREATE TABLE IF NOT EXISTS applied_days (
    sync_day   TEXT PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL
);

-- Databases loaded before keys and formats existed: their rows gain their keys (the id as
-- text), their days are listed, the schema is the contract format's, and the rejects table
-- takes the other formats' folders. Each only when missing, for the lock reason above.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'groups' AND column_name = 'group_key'
    ) THEN
        ALTER TABLE groups ADD COLUMN group_key TEXT COLLATE "C";
        UPDATE groups SET group_key = group_id::text;
        ALTER TABLE groups ALTER COLUMN group_key SET NOT NULL;
        ALTER TABLE groups ADD CONSTRAINT groups_group_key_key UNIQUE (group_key);
        ALTER TABLE groups ADD COLUMN members_day TEXT NULL;
        INSERT INTO applied_days (sync_day, applied_at)
        SELECT sync_day, now() FROM (SELECT sync_day FROM groups UNION SELECT sync_day FROM agents) d
        ON CONFLICT DO NOTHING;
        INSERT INTO source_format (format) SELECT 'contract' WHERE EXISTS (SELECT 1 FROM groups);
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'agents' AND column_name = 'agent_key'
    ) THEN
        ALTER TABLE agents ADD COLUMN agent_key TEXT COLLATE "C";
        UPDATE agents SET agent_key = agent_id::text;
        ALTER TABLE agents ALTER COLUMN agent_key SET NOT NULL;
        ALTER TABLE agents ADD CONSTRAINT agents_agent_key_key UNIQUE (agent_key);
    END IF;
    IF EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conrelid = to_regclass('rejects') AND conname = 'rejects_source_check'
    ) THEN
        ALTER TABLE rejects DROP CONSTRAINT rejects_source_check;
    END IF;
END
$$;
