-- Upsert the day's groups with the updated_at guard. Only rows that are new or change are sent to
-- the upsert: comparing in one join first is far cheaper than letting ON CONFLICT find (and lock)
-- every unchanged row. New rows start active (most groups are); inactive.sql sets the flag before
-- the transaction commits, so it rewrites only the new groups that are in fact inactive.
INSERT INTO groups AS g (group_id, name, parent_group_id, created_at, updated_at, inactive, deleted, sync_day)
SELECT s.group_id, s.name, s.parent_group_id, s.created_at, s.updated_at, false, s.deleted, %(sync_day)s
FROM {stage_groups} s
LEFT JOIN groups stored ON stored.group_id = s.group_id
WHERE stored.group_id IS NULL
   OR (s.updated_at >= stored.updated_at
       AND (stored.name, stored.parent_group_id, stored.created_at, stored.updated_at, stored.deleted)
           IS DISTINCT FROM (s.name, s.parent_group_id, s.created_at, s.updated_at, s.deleted))
-- The conflict guard repeats the rule for a row another writer stored after this statement's
-- snapshot (none while the day holds the schema lock): the guard never depends on that lock.
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
