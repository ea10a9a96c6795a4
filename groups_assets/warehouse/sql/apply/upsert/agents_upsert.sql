-- Upsert the day's agents. The guard is the groups' (apply/upsert/applied_insert.sql), by updated_at: a
-- record never replaces a row with a newer updated_at, and a record without updated_at always
-- applies; or, for the formats whose days are ordered, by day. As for groups, only new or
-- changed agents reach the upsert: unchanged rows are neither rewritten nor locked. A user that
-- is not an agent (is_agent false) is stored only when it is stored already, as inactive.
INSERT INTO agents AS a (agent_id, agent_key, name, email, active, updated_at, sync_day)
SELECT s.agent_id, coalesce(s.agent_key, s.agent_id::text), s.name, s.email, s.active AND s.is_agent,
       s.updated_at, %(sync_day)s
FROM {stage_agents} s
LEFT JOIN agents stored ON stored.agent_id = s.agent_id
WHERE (s.is_agent OR stored.agent_id IS NOT NULL)
  AND (stored.agent_id IS NULL
       OR (CASE WHEN %(by_day)s THEN stored.sync_day <> ALL (%(later_days)s)
                ELSE s.updated_at IS NULL OR stored.updated_at IS NULL OR s.updated_at >= stored.updated_at END
           AND (stored.name, stored.email, stored.active, stored.updated_at)
               IS DISTINCT FROM (s.name, s.email, s.active AND s.is_agent, s.updated_at)))
ON CONFLICT (agent_id) DO UPDATE
SET name = EXCLUDED.name,
    email = EXCLUDED.email,
    active = EXCLUDED.active,
    updated_at = EXCLUDED.updated_at,
    sync_day = EXCLUDED.sync_day
WHERE CASE WHEN %(by_day)s THEN a.sync_day <> ALL (%(later_days)s)
           ELSE EXCLUDED.updated_at IS NULL OR a.updated_at IS NULL OR EXCLUDED.updated_at >= a.updated_at END
  AND (a.name, a.email, a.active, a.updated_at)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.active, EXCLUDED.updated_at);
