-- First load: every staged agent is new (a user that is not an agent is not stored).
INSERT INTO agents (agent_id, agent_key, name, email, active, updated_at, sync_day)
SELECT agent_id, coalesce(agent_key, agent_id::text), name, email, active, updated_at, %(sync_day)s
FROM {stage_agents}
WHERE is_agent;
