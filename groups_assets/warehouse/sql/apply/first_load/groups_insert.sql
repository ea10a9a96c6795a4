-- First load: the staged groups into the empty table. New rows start active; apply/inactive_update.sql then
-- rewrites only those that are in fact inactive (as on the upsert path).
INSERT INTO groups (
    group_id, group_key, name, parent_group_id, created_at, updated_at, inactive, deleted, sync_day,
    members_day
)
SELECT group_id, coalesce(group_key, group_id::text), name, parent_group_id, created_at, updated_at,
       false, deleted, %(sync_day)s, %(members_day)s
FROM {stage_groups}
ORDER BY group_id;
