-- The day's group records that apply: new groups, and those not older than the stored row
-- (on an equal updated_at the record applied last wins). Taken before the groups upsert.
CREATE TEMP TABLE applied_groups ON COMMIT DROP AS
SELECT s.group_id, g.group_id IS NULL AS is_new
FROM {stage_groups} s
LEFT JOIN groups g ON g.group_id = s.group_id
WHERE g.group_id IS NULL OR s.updated_at >= g.updated_at;
