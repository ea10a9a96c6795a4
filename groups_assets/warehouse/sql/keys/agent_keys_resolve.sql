-- A format that keys its records by text: every agent key of the day (its users and the agents
-- its memberships name) gets its id once, in key order, and the staged agents take their ids.
INSERT INTO agent_keys (agent_key)
SELECT k
FROM (SELECT agent_key FROM {stage_agents} UNION SELECT agent_key FROM {stage_member_rows}) d(k)
WHERE k IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agent_keys a WHERE a.agent_key = d.k)
ORDER BY k;
UPDATE {stage_agents} s
SET agent_id = k.agent_id
FROM agent_keys k
WHERE k.agent_key = s.agent_key;
