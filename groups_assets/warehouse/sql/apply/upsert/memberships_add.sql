-- ... and add the listed pairs that are missing, each opening a version in membership_history
-- (unless the history starts today) and marking its group's members_day as removals do. Groups
-- whose membership the day does not set (a stale record) add nothing. Pairs already stored are
-- left out by an anti-join (one pass) rather than tried one by one. Returns (pairs added,
-- versions opened).
WITH added AS (
    INSERT INTO group_membership (group_id, agent_id)
    SELECT s.group_id, s.agent_id
    FROM {stage_members} s
    JOIN {stage_members_of} a ON a.group_id = s.group_id
    WHERE NOT EXISTS (
        SELECT 1 FROM group_membership m
        WHERE m.group_id = s.group_id AND m.agent_id = s.agent_id
    )
    ORDER BY s.group_id, s.agent_id  -- in key order: the primary key index grows at its right edge
    ON CONFLICT DO NOTHING
    RETURNING group_id, agent_id
),
opened AS (
    INSERT INTO membership_history (group_id, agent_id, valid_from, valid_to, sync_day)
    SELECT group_id, agent_id, %(at)s, NULL, %(sync_day)s
    FROM added
    WHERE %(track_members)s
    RETURNING 1
),
marked AS (
    UPDATE groups g
    SET members_day = %(sync_day)s
    WHERE %(by_day)s
      AND g.group_id IN (SELECT group_id FROM added)
      AND g.members_day IS DISTINCT FROM %(sync_day)s
    RETURNING 1
)
SELECT (SELECT count(*) FROM added), (SELECT count(*) FROM opened);
