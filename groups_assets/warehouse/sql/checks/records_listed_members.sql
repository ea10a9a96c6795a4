-- records_accounted, the contract format, pair by pair (when the sums of
-- records_listed_members_sums.sql differ): a group record whose row holds the record's own version
-- set that group's membership ({stage_set_groups}), which must then be exactly the record's
-- agent_ids. Returns (pairs listed but not stored, pairs stored but not listed, the groups with
-- either, a sample).
WITH problems AS (
    SELECT m.group_id, m.agent_id, 'listed, not stored' AS problem
    FROM {stage_members} m
    JOIN {stage_set_groups} USING (group_id)
    WHERE NOT EXISTS (
        SELECT 1 FROM group_membership gm WHERE gm.group_id = m.group_id AND gm.agent_id = m.agent_id
    )
    UNION ALL
    SELECT gm.group_id, gm.agent_id, 'stored, not listed'
    FROM group_membership gm
    JOIN {stage_set_groups} USING (group_id)
    WHERE NOT EXISTS (
        SELECT 1 FROM {stage_members} m WHERE m.group_id = gm.group_id AND m.agent_id = gm.agent_id
    )
)
SELECT count(*) FILTER (WHERE problem = 'listed, not stored'),
       count(*) FILTER (WHERE problem = 'stored, not listed'),
       count(DISTINCT group_id),
       (SELECT coalesce(json_agg(x), '[]'::json) FROM (
            SELECT format('group %%s, agent %%s', group_id, agent_id) AS record, problem AS found
            FROM problems ORDER BY group_id, agent_id LIMIT %(sample)s) x)
FROM problems;
