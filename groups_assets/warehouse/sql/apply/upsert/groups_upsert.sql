-- Upsert the day's groups with the guard of apply/upsert/applied_insert.sql. Only rows that are new or change
-- are sent to the upsert: comparing in one join first is far cheaper than letting ON CONFLICT
-- find (and lock) every unchanged row. New rows start active (most groups are); apply/inactive_update.sql sets
-- the flag before the transaction commits, so it rewrites only the new groups that are in fact
-- inactive. A group's key never changes: it is written once, with the row.
INSERT INTO groups AS g (
    group_id, group_key, name, parent_group_id, created_at, updated_at, inactive, deleted, sync_day,
    members_day
)
SELECT s.group_id, coalesce(s.group_key, s.group_id::text), s.name, s.parent_group_id, s.created_at,
       s.updated_at, false, s.deleted, %(sync_day)s, %(members_day)s
FROM {stage_groups} s
LEFT JOIN groups stored ON stored.group_id = s.group_id
WHERE stored.group_id IS NULL
   OR (CASE WHEN %(by_day)s THEN stored.sync_day <> ALL (%(later_days)s)
            ELSE s.updated_at >= stored.updated_at END
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
WHERE CASE WHEN %(by_day)s THEN g.sync_day <> ALL (%(later_days)s) ELSE EXCLUDED.updated_at >= g.updated_at END
  AND (g.name, g.parent_group_id, g.created_at, g.updated_at, g.deleted)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.parent_group_id, EXCLUDED.created_at,
                        EXCLUDED.updated_at, EXCLUDED.deleted);
