-- ... and add the listed pairs that are missing. Stale records (not in applied_groups) add nothing.
INSERT INTO group_membership (group_id, agent_id)
SELECT s.group_id, s.agent_id
FROM {stage_members} s
JOIN applied_groups a ON a.group_id = s.group_id
ON CONFLICT DO NOTHING;
