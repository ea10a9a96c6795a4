-- Close the open version of every agent whose name, email or active flag is no longer what the
-- version says, at the day's transaction time (as history_close.sql does for groups).
UPDATE agent_history h
SET valid_to = now()
FROM agents a
WHERE h.agent_id = a.agent_id
  AND h.valid_to IS NULL
  AND (h.name, h.email, h.active) IS DISTINCT FROM (a.name, a.email, a.active);
