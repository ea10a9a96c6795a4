-- records_accounted: the day's staged agent records, and those the agents table does not hold
-- (the rule of records_groups.sql; a record without updated_at is held only by its own version).
-- A user that is not an agent and is not stored is skipped (CONTRACT.md 7); one that is stored
-- must be held as an inactive agent. Returns (records staged, skipped, not held, a sample).
WITH checked AS (
    SELECT coalesce(s.agent_key, s.agent_id::text) AS agent_key, s.updated_at, s.is_agent,
           a.agent_id IS NOT NULL AS stored, a.updated_at AS stored_updated_at, a.sync_day AS stored_day,
           a.agent_id IS NOT NULL AND (
               (a.agent_key, a.name, a.email, a.active, a.updated_at)
                   IS NOT DISTINCT FROM
               (coalesce(s.agent_key, s.agent_id::text), s.name, s.email, s.active AND s.is_agent,
                s.updated_at)
               OR CASE WHEN %(by_day)s THEN a.sync_day = ANY (%(later_days)s)
                       ELSE coalesce(a.updated_at > s.updated_at, false) END
           ) AS held
    FROM {stage_agents} s
    LEFT JOIN agents a ON a.agent_id = s.agent_id
),
missing AS (SELECT * FROM checked WHERE NOT held AND (is_agent OR stored))
SELECT (SELECT count(*) FROM checked),
       (SELECT count(*) FROM checked WHERE NOT is_agent AND NOT stored),
       (SELECT count(*) FROM missing),
       (SELECT coalesce(json_agg(x), '[]'::json) FROM (
            SELECT agent_key AS record,
                   format('updated_at %%s; stored: %%s', updated_at,
                          CASE WHEN stored THEN format('a row of day %%s, updated_at %%s, other content',
                                                       stored_day, stored_updated_at)
                               ELSE 'no row' END) AS found
            FROM missing ORDER BY agent_key LIMIT %(sample)s) x);
