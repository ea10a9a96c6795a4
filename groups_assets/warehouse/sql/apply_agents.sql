-- Upsert the day's agents. A record never replaces a row with a newer updated_at; a record
-- without updated_at always applies; rows whose content is unchanged are not rewritten.
INSERT INTO agents AS a (agent_id, name, email, active, updated_at, sync_day)
SELECT agent_id, name, email, active, updated_at, %(sync_day)s
FROM {stage_agents}
ON CONFLICT (agent_id) DO UPDATE
SET name = EXCLUDED.name,
    email = EXCLUDED.email,
    active = EXCLUDED.active,
    updated_at = EXCLUDED.updated_at,
    sync_day = EXCLUDED.sync_day
WHERE (EXCLUDED.updated_at IS NULL OR a.updated_at IS NULL OR EXCLUDED.updated_at >= a.updated_at)
  AND (a.name, a.email, a.active, a.updated_at)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.active, EXCLUDED.updated_at);
