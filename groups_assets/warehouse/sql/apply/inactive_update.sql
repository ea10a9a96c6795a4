-- Recompute `inactive` over the whole table (CONTRACT.md section 5) and write only the rows
-- whose flag changes. A non-deleted group is active when it has an active member (a seed) or
-- when a seed lies below it through non-deleted groups.
--
-- Cost grows with the groups, not with groups x depth: the seeds are found by one join, and
-- only the active groups that are not seeds are walked: up from the seeds' parents, one
-- primary-key lookup per step (the LATERAL subquery with OFFSET 0 cannot become a join, which
-- would build a hash of every group again at every level), stopping at deleted groups, at
-- seeds (their own parents are already on the way) and at groups already seen (UNION drops
-- them, so a cycle ends).
-- Returns how many existing groups became inactive and how many became active (groups new
-- today are not counted as flips).
WITH RECURSIVE seeds AS MATERIALIZED (
    SELECT g.group_id, g.parent_group_id
    FROM groups g
    WHERE NOT g.deleted
      AND g.group_id IN (
          SELECT m.group_id
          FROM group_membership m
          JOIN agents a ON a.agent_id = m.agent_id
          WHERE a.active
      )
),
above (group_id, parent_group_id) AS (
    SELECT p.group_id, p.parent_group_id
    FROM groups p
    WHERE NOT p.deleted
      AND EXISTS (SELECT 1 FROM seeds s WHERE s.parent_group_id = p.group_id)
      AND NOT EXISTS (SELECT 1 FROM seeds s WHERE s.group_id = p.group_id)
    UNION
    SELECT p.group_id, p.parent_group_id
    FROM above c
    CROSS JOIN LATERAL (
        SELECT p.group_id, p.parent_group_id
        FROM groups p
        WHERE p.group_id = c.parent_group_id
          AND NOT p.deleted
          AND NOT EXISTS (  -- not a seed: the group's own members first (OFFSET 0 keeps that order)
              SELECT 1
              FROM (SELECT m.agent_id FROM group_membership m WHERE m.group_id = p.group_id OFFSET 0) m
              JOIN agents a ON a.agent_id = m.agent_id
              WHERE a.active
          )
        OFFSET 0
    ) p
),
active AS (
    SELECT group_id FROM seeds
    UNION ALL
    SELECT group_id FROM above
),
flipped AS (
    UPDATE groups g
    SET inactive = f.inactive,
        inactive_since = CASE WHEN f.inactive THEN %(at)s END  -- the day's transaction time
    FROM (
        SELECT g.group_id, a.group_id IS NULL AS inactive
        FROM groups g
        LEFT JOIN active a ON a.group_id = g.group_id
        WHERE g.inactive IS DISTINCT FROM (a.group_id IS NULL)
    ) f
    WHERE f.group_id = g.group_id
    RETURNING g.group_id, g.inactive
)
SELECT
    count(*) FILTER (WHERE f.inactive AND n.group_id IS NULL) AS became_inactive,
    count(*) FILTER (WHERE NOT f.inactive AND n.group_id IS NULL) AS became_active
FROM flipped f
LEFT JOIN {stage_applied} n ON n.group_id = f.group_id AND n.is_new;
