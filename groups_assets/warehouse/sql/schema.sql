-- The pipeline's tables (CONTRACT.md section 3). Idempotent: safe to run before every day.
-- parent_group_id and group_membership.agent_id carry no foreign keys: orphans are kept.
CREATE TABLE IF NOT EXISTS groups (
    group_id        BIGINT PRIMARY KEY,
    name            TEXT NOT NULL,
    parent_group_id BIGINT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    inactive        BOOLEAN NOT NULL,
    deleted         BOOLEAN NOT NULL DEFAULT false,
    sync_day        TEXT NOT NULL
) WITH (fillfactor = 90);  -- room on each page for the daily flag updates to stay HOT
-- The inactive walk goes from a group to its parent; the orphan check from a parent id to groups.
CREATE INDEX IF NOT EXISTS groups_parent_group_id_idx ON groups (parent_group_id);
-- When the group last became inactive (transaction time of that day); NULL while it is active.
-- Added to databases loaded before history existed: their inactive groups get the time of the
-- first run that sees them (history_start.sql). Only when missing: even with IF NOT EXISTS,
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
    source      TEXT NOT NULL CHECK (source IN ('admin_groups', 'agents')),
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
