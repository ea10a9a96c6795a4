-- First load: every staged agent is new.
INSERT INTO agents (agent_id, name, email, active, updated_at, sync_day)
SELECT agent_id, name, email, active, updated_at, %(sync_day)s
FROM {stage_agents};
