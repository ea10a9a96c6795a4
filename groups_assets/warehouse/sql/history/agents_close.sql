-- Close the open version of every agent the day changed (its row's sync_day is the day) whose
-- name, email or active flag is no longer what the version says, at the day's instant (as
-- history/groups_close.sql does for groups). An agent the day did not change keeps its version.
UPDATE agent_history h
SET valid_to = %(at)s
FROM agents a
WHERE a.sync_day = %(sync_day)s
  AND h.agent_id = a.agent_id
  AND h.valid_to IS NULL
  AND (h.name, h.email, h.active) IS DISTINCT FROM (a.name, a.email, a.active);
