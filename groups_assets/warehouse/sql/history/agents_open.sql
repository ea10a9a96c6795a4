-- Open a version for every agent without an open one: those just closed and those new today
-- (both changed by the day), or, when agent history is empty (a first load, or a database
-- loaded before it existed), every agent.
INSERT INTO agent_history (agent_id, name, email, active, valid_from, valid_to, sync_day)
SELECT a.agent_id, a.name, a.email, a.active, %(at)s, NULL, %(sync_day)s
FROM agents a
WHERE (a.sync_day = %(sync_day)s OR NOT EXISTS (SELECT 1 FROM agent_history))
  AND NOT EXISTS (SELECT 1 FROM agent_history h WHERE h.agent_id = a.agent_id AND h.valid_to IS NULL);
