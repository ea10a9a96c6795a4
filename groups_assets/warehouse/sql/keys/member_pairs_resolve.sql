-- The day's (group, agent) pairs from the rows of its membership table (repeats collapse); a
-- text key takes the id keys/*_keys_resolve.sql gave it.
INSERT INTO {stage_members} (group_id, agent_id)
SELECT DISTINCT coalesce(r.group_id, g.group_id), coalesce(r.agent_id, a.agent_id)
FROM {stage_member_rows} r
LEFT JOIN group_keys g ON g.group_key = r.group_key
LEFT JOIN agent_keys a ON a.agent_key = r.agent_key;
