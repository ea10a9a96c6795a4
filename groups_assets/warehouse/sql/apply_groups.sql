-- Upsert the day's groups with the updated_at guard; unchanged rows are not rewritten.
-- New rows start active (most groups are); inactive.sql sets the flag before the transaction
-- commits, so it rewrites only the new groups that are in fact inactive.
INSERT INTO groups AS g (group_id, name, parent_group_id, created_at, updated_at, inactive, deleted, sync_day)
SELECT group_id, name, parent_group_id, created_at, updated_at, false, deleted, %(sync_day)s
FROM {stage_groups}
ON CONFLICT (group_id) DO UPDATE
SET name = EXCLUDED.name,
    parent_group_id = EXCLUDED.parent_group_id,
    created_at = EXCLUDED.created_at,
    updated_at = EXCLUDED.updated_at,
    deleted = EXCLUDED.deleted,
    sync_day = EXCLUDED.sync_day
WHERE EXCLUDED.updated_at >= g.updated_at
  AND (g.name, g.parent_group_id, g.created_at, g.updated_at, g.deleted)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.parent_group_id, EXCLUDED.created_at,
                        EXCLUDED.updated_at, EXCLUDED.deleted);
