-- The groups whose membership the day sets (the applied groups of the contract format, or
-- apply/upsert/members_of_insert.sql's) get exactly the day's pairs: remove the pairs no longer listed, close their
-- open versions in membership_history at the day's instant (unless the history starts today:
-- history/memberships_start.sql), and, for the formats whose days are ordered, record the day
-- as the one that last changed those groups' membership. Returns (pairs removed, versions closed).
WITH removed AS (
    DELETE FROM group_membership m
    USING {stage_members_of} a
    WHERE m.group_id = a.group_id
      AND NOT EXISTS (
          SELECT 1 FROM {stage_members} s
          WHERE s.group_id = m.group_id AND s.agent_id = m.agent_id
      )
    RETURNING m.group_id, m.agent_id
),
closed AS (
    UPDATE membership_history h
    SET valid_to = %(at)s
    FROM removed r
    WHERE %(track_members)s
      AND h.group_id = r.group_id AND h.agent_id = r.agent_id AND h.valid_to IS NULL
    RETURNING 1
),
marked AS (
    UPDATE groups g
    SET members_day = %(sync_day)s
    WHERE %(by_day)s
      AND g.group_id IN (SELECT group_id FROM removed)
      AND g.members_day IS DISTINCT FROM %(sync_day)s
    RETURNING 1
)
SELECT (SELECT count(*) FROM removed), (SELECT count(*) FROM closed);
