-- Version 2: group history. Every version of every group (a type 2 slowly changing dimension,
-- transaction time): a version opens when a group is first loaded and whenever its name, parent,
-- deleted or inactive flag changes; opening one closes the previous at the same instant (the
-- day's transaction time), so the versions of a group meet and never overlap. The open version
-- has valid_to NULL. A schema loaded before it gets one open version per group on its next day
-- (history/groups_open.sql), and its inactive groups that day's time as inactive_since
-- (history/groups_start.sql).
CREATE TABLE group_history (
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
CREATE UNIQUE INDEX group_history_open_idx ON group_history (group_id) WHERE valid_to IS NULL;
-- When the group last became inactive (transaction time of that day); NULL while it is active.
ALTER TABLE groups ADD COLUMN inactive_since TIMESTAMPTZ NULL;
