-- Staging tables of one run, filled by COPY from the Spark executors. UNLOGGED: they are
-- rebuilt from the source files whenever needed, so they skip the write-ahead log.
CREATE UNLOGGED TABLE {stage_groups} (
    group_id        BIGINT NOT NULL,
    name            TEXT NOT NULL,
    parent_group_id BIGINT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    deleted         BOOLEAN NOT NULL
);
CREATE UNLOGGED TABLE {stage_members} (
    group_id BIGINT NOT NULL,
    agent_id BIGINT NOT NULL
);
CREATE UNLOGGED TABLE {stage_agents} (
    agent_id   BIGINT NOT NULL,
    name       TEXT,
    email      TEXT,
    active     BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ
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
