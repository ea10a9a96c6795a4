-- records_accounted, the formats of a membership table, row by row (when the sums of
-- records_member_rows_sums.sql differ): a loaded row is held when its pair is in
-- group_membership, or a later day (%(later_days)s) changed its group's membership since; the
-- groups whose membership the day sets ({stage_set_groups}) hold no pair the day does not list.
-- Keys are turned into ids here again, from the key tables, not from the day's own statements.
-- Returns (rows staged, rows not held, pairs stored but not listed, a sample).
WITH member_rows AS MATERIALIZED (
    SELECT coalesce(r.group_id, g.group_id) AS group_id, coalesce(r.agent_id, a.agent_id) AS agent_id,
           coalesce(r.group_key, r.group_id::text) AS group_key, coalesce(r.agent_key, r.agent_id::text) AS agent_key
    FROM {stage_member_rows} r
    LEFT JOIN group_keys g ON g.group_key = r.group_key
    LEFT JOIN agent_keys a ON a.agent_key = r.agent_key
),
missing AS (
    SELECT r.group_key, r.agent_key, 'listed, not stored' AS problem
    FROM member_rows r
    LEFT JOIN groups g ON g.group_id = r.group_id
    WHERE NOT coalesce(g.members_day = ANY (%(later_days)s), false)
      AND NOT EXISTS (
          SELECT 1 FROM group_membership gm WHERE gm.group_id = r.group_id AND gm.agent_id = r.agent_id
      )
),
left_over AS (
    SELECT gm.group_id, gm.agent_id
    FROM group_membership gm
    JOIN {stage_set_groups} USING (group_id)
    WHERE NOT EXISTS (
        SELECT 1 FROM member_rows r WHERE r.group_id = gm.group_id AND r.agent_id = gm.agent_id
    )
)
SELECT (SELECT count(*) FROM member_rows),
       (SELECT count(*) FROM missing),
       (SELECT count(*) FROM left_over),
       (SELECT coalesce(json_agg(x), '[]'::json) FROM (
            SELECT format('group %%s, user %%s', group_key, agent_key) AS record, problem AS found FROM (
                SELECT * FROM missing
                UNION ALL
                SELECT coalesce(gk.group_key, l.group_id::text), coalesce(ak.agent_key, l.agent_id::text),
                       'stored, not listed'
                FROM left_over l
                LEFT JOIN group_keys gk ON gk.group_id = l.group_id
                LEFT JOIN agent_keys ak ON ak.agent_id = l.agent_id
            ) p
            ORDER BY problem, group_key, agent_key LIMIT %(sample)s) x);
