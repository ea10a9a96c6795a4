-- First load: every staged membership belongs to an applied (new) group; none is stored yet.
INSERT INTO group_membership (group_id, agent_id)
SELECT group_id, agent_id FROM {stage_members}
ORDER BY group_id, agent_id;
