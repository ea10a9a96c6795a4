-- Upsert the day's agents. A record never replaces a row with a newer updated_at; a record
-- without updated_at always applies. As for groups (apply_groups.sql), only new or changed
-- agents reach the upsert: unchanged rows are neither rewritten nor locked.
INSERT INTO agents AS a (agent_id, name, email, active, updated_at, sync_day)
SELECT s.agent_id, s.name, s.email, s.active, s.updated_at, %(sync_day)s
FROM {stage_agents} s
LEFT JOIN agents stored ON stored.agent_id = s.agent_id
WHERE stored.agent_id IS NULL
   OR ((s.updated_at IS NULL OR stored.updated_at IS NULL OR s.updated_at >= stored.updated_at)
       AND (stored.name, stored.email, stored.active, stored.updated_at)
           IS DISTINCT FROM (s.name, s.email, s.active, s.updated_at))
ON CONFLICT (agent_id) DO UPDATE
SET name = EXCLUDED.name,
    email = EXCLUDED.email,
    active = EXCLUDED.active,
    updated_at = EXCLUDED.updated_at,
    sync_day = EXCLUDED.sync_day
WHERE (EXCLUDED.updated_at IS NULL OR a.updated_at IS NULL OR EXCLUDED.updated_at >= a.updated_at)
  AND (a.name, a.email, a.active, a.updated_at)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.active, EXCLUDED.updated_at);
