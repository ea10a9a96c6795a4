-- Version 4: membership and agent history, and effective membership (docs/history.md). A schema
-- loaded before it gets one open version per membership and per agent on its next day
-- (history/memberships_start.sql, history/agents_open.sql).
-- Every version of every membership: a (group, agent) pair is a member from valid_from to
-- valid_to (NULL: still), in transaction time like group_history; a pair removed and added
-- again has two versions. sync_day: the day that caused the version.
CREATE TABLE membership_history (
    group_id   BIGINT NOT NULL,
    agent_id   BIGINT NOT NULL,
    valid_from TIMESTAMPTZ NOT NULL,
    valid_to   TIMESTAMPTZ NULL,
    sync_day   TEXT NOT NULL,
    PRIMARY KEY (group_id, agent_id, valid_from),
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE UNIQUE INDEX membership_history_open_idx
    ON membership_history (group_id, agent_id) WHERE valid_to IS NULL;

-- Every version of every agent (name, email, active), as group_history keeps groups.
CREATE TABLE agent_history (
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
CREATE UNIQUE INDEX agent_history_open_idx ON agent_history (agent_id) WHERE valid_to IS NULL;
-- effective_membership_at walks down the hierarchy as it was: from a group to its children.
CREATE INDEX group_history_parent_idx ON group_history (parent_group_id);

-- Effective membership (docs/history.md: Who belonged where): an agent is an effective member of a group
-- when it belongs to the group or to any group below it, at any depth, through the links of the
-- inactive rule (CONTRACT.md 5: deleted groups break them; a cycle ends). One row per way in:
-- the group below (via_group_id) the agent belongs to, and how far below it is (depth, 0 for the
-- group itself; on a cycle, the shortest way). Walked down from the one group asked for, by key
-- lookups (groups_parent_group_id_idx, the primary keys), so one group's members take
-- milliseconds whatever the size of the tables.
CREATE FUNCTION effective_members_of(of_group BIGINT)
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

CREATE VIEW effective_membership AS
SELECT g.group_id, e.agent_id, e.via_group_id, e.depth
FROM groups g
CROSS JOIN LATERAL effective_members_of(g.group_id) e;

-- The same at a past instant, from the history tables: the hierarchy as it was at `at` (each
-- group's version valid then) and the memberships as they were. All groups, or `of_group` only.
CREATE FUNCTION effective_membership_at(at TIMESTAMPTZ, of_group BIGINT DEFAULT NULL)
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
