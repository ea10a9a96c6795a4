-- The pipeline's first tables (CONTRACT.md section 3): version 1 of the schema. A new schema is
-- this, then every migration in migrations/ in order (warehouse/schema.py); a schema of an
-- earlier version takes the migrations after its own. parent_group_id and
-- group_membership.agent_id carry no foreign keys: orphans are kept.
CREATE TABLE groups (
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
CREATE INDEX groups_parent_group_id_idx ON groups (parent_group_id);

CREATE TABLE group_membership (
    group_id BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    PRIMARY KEY (group_id, agent_id)
);
-- No index on agent_id: the pipeline's statements join memberships to agents by hash, and a
-- second index would cost every load. Add one if your own queries look up groups by agent.

CREATE TABLE agents (
    agent_id   BIGINT PRIMARY KEY,
    name       TEXT,
    email      TEXT,
    active     BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NULL,
    sync_day   TEXT NOT NULL
);

-- One row per rejected record. (sync_day, source, source_file, record_no) names the record,
-- so re-running a day updates its rejects in place instead of adding copies.
CREATE TABLE rejects (
    sync_day    TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('admin_groups', 'agents')),
    source_file TEXT NOT NULL,
    record_no   BIGINT NOT NULL,
    raw_record  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    rejected_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (sync_day, source, source_file, record_no)
);
