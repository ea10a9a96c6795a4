-- Memberships whose agent is in no agents row: stored, not counted as active (CONTRACT.md 5).
SELECT m.group_id, m.agent_id, count(*) OVER () AS total
FROM group_membership m
WHERE NOT EXISTS (SELECT 1 FROM agents a WHERE a.agent_id = m.agent_id)
ORDER BY m.group_id, m.agent_id
LIMIT %(sample)s;
