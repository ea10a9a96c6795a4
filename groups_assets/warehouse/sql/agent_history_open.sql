-- Open a version for every agent without an open one: those just closed, those new today, and
-- (once) every agent of a database loaded before agent history existed.
INSERT INTO agent_history (agent_id, name, email, active, valid_from, valid_to, sync_day)
SELECT a.agent_id, a.name, a.email, a.active, now(), NULL, %(sync_day)s
FROM agents a
WHERE NOT EXISTS (SELECT 1 FROM agent_history h WHERE h.agent_id = a.agent_id AND h.valid_to IS NULL);
