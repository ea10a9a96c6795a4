-- The day's group records that apply: new groups, and those not older than the stored row
-- (on an equal updated_at the record applied last wins). Taken before the groups upsert, into
-- a table of this run (no TEMP privilege needed).
INSERT INTO {stage_applied} (group_id, is_new)
SELECT s.group_id, g.group_id IS NULL
FROM {stage_groups} s
LEFT JOIN groups g ON g.group_id = s.group_id
WHERE g.group_id IS NULL OR s.updated_at >= g.updated_at;
