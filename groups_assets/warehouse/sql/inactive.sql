-- Recompute `inactive` over the whole table (CONTRACT.md section 5) and write only the rows
-- whose flag changes. The walk goes up from each non-deleted group with an active member to
-- its non-deleted ancestors; UNION drops rows already seen, so a cycle ends and every group
-- is visited once: the cost grows with the number of groups, not with groups x depth.
-- Returns how many existing groups became inactive and how many became active (groups new
-- today are not counted as flips).
WITH RECURSIVE active_groups (group_id, parent_group_id) AS (
    SELECT g.group_id, g.parent_group_id
    FROM groups g
    WHERE NOT g.deleted
      AND g.group_id IN (
          SELECT m.group_id
          FROM group_membership m
          JOIN agents a ON a.agent_id = m.agent_id
          WHERE a.active
      )
    UNION
    SELECT p.group_id, p.parent_group_id
    FROM active_groups c
    JOIN groups p ON p.group_id = c.parent_group_id
    WHERE NOT p.deleted
),
flags AS (
    SELECT g.group_id, x.group_id IS NULL AS inactive
    FROM groups g
    LEFT JOIN (SELECT DISTINCT group_id FROM active_groups) x ON x.group_id = g.group_id
),
flipped AS (
    UPDATE groups g
    SET inactive = f.inactive,
        inactive_since = CASE WHEN f.inactive THEN now() END  -- the day's transaction time
    FROM flags f
    WHERE f.group_id = g.group_id AND g.inactive IS DISTINCT FROM f.inactive
    RETURNING g.group_id, g.inactive
)
SELECT
    count(*) FILTER (WHERE f.inactive AND n.group_id IS NULL) AS became_inactive,
    count(*) FILTER (WHERE NOT f.inactive AND n.group_id IS NULL) AS became_active
FROM flipped f
LEFT JOIN {stage_applied} n ON n.group_id = f.group_id AND n.is_new;
