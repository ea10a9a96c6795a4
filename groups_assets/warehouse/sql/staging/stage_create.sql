-- Staging tables of one run, filled by COPY from the Spark executors. UNLOGGED: they are
-- rebuilt from the source files whenever needed, so they skip the write-ahead log.
-- A format that keys its records by text (servicenow) fills the *_key columns and leaves the
-- ids to the day's transaction (keys/*_keys_resolve.sql); the others fill the ids.
CREATE UNLOGGED TABLE {stage_groups} (
    group_id        BIGINT,
    group_key       TEXT COLLATE "C",
    name            TEXT NOT NULL,
    parent_group_id BIGINT,
    parent_key      TEXT COLLATE "C",
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    deleted         BOOLEAN NOT NULL
);
-- The (group, agent) pairs of the day: from the group records' agent_ids (contract), or from the
-- membership rows below (keys/member_pairs_resolve.sql).
CREATE UNLOGGED TABLE {stage_members} (
    group_id BIGINT NOT NULL,
    agent_id BIGINT NOT NULL
);
-- The rows of a membership table (servicenow, zendesk). A row whose group has no valid record in
-- the day keeps its file, number and text: it is rejected (unknown_group) if the group is not
-- stored either.
CREATE UNLOGGED TABLE {stage_member_rows} (
    group_id    BIGINT,
    group_key   TEXT COLLATE "C",
    agent_id    BIGINT,
    agent_key   TEXT COLLATE "C",
    source_file TEXT,
    record_no   BIGINT,
    raw_record  TEXT
);
CREATE UNLOGGED TABLE {stage_agents} (
    agent_id   BIGINT,
    agent_key  TEXT COLLATE "C",
    name       TEXT,
    email      TEXT,
    active     BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ,
    is_agent   BOOLEAN NOT NULL  -- false: a user that is not an agent (zendesk); stored only if already
);
CREATE UNLOGGED TABLE {stage_rejects} (
    source      TEXT NOT NULL,
    source_file TEXT NOT NULL,
    record_no   BIGINT NOT NULL,
    raw_record  TEXT NOT NULL,
    reason      TEXT NOT NULL
);
-- The day's group records that apply (filled inside the day's transaction).
CREATE UNLOGGED TABLE {stage_applied} (
    group_id BIGINT NOT NULL,
    is_new   BOOLEAN NOT NULL
);
-- The groups whose membership the day sets, for the formats of a membership table
-- (apply/upsert/members_of_insert.sql); the contract format uses the applied groups.
CREATE UNLOGGED TABLE {stage_members_of} (
    group_id BIGINT NOT NULL
);
-- The groups whose membership the tables show the day set, read back after the day's writes
-- (checks/records_set_groups_*.sql).
CREATE UNLOGGED TABLE {stage_set_groups} (
    group_id BIGINT
);
-- Which executor task attempt staged each part of the day: one row per source folder, staging
-- table and Spark partition, committed with that attempt's COPY. The key lets one attempt of a
-- partition commit its rows; a retried or speculative attempt that comes second rolls its own
-- back (warehouse/staging.py, Claim).
CREATE UNLOGGED TABLE {stage_claims} (
    source    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    partition INT NOT NULL,
    attempt   INT NOT NULL,
    rows      BIGINT NOT NULL,
    PRIMARY KEY (source, kind, partition)
);
