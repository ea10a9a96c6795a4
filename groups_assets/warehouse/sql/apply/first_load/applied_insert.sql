-- First load: every staged group is new and applies.
INSERT INTO {stage_applied} (group_id, is_new)
SELECT group_id, true FROM {stage_groups};
