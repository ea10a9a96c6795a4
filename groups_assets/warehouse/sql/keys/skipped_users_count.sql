-- Users that are not agents and are not stored as agents: skipped, not stored (CONTRACT.md 7).
SELECT count(*)
FROM {stage_agents} s
WHERE NOT s.is_agent
  AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.agent_id = s.agent_id);
