-- The day's group records that apply: new groups, and those the guard lets replace the stored
-- row. The guard (CONTRACT.md 4 and 7): a record not older than the stored row by updated_at (on
-- an equal updated_at the record applied last wins); for the formats whose days are ordered
-- (%(by_day)s), a record not from a day before the one that last changed the row
-- (%(later_days)s: the applied days after this one). Taken before the groups upsert, into a
-- table of this run (no TEMP privilege needed).
INSERT INTO {stage_applied} (group_id, is_new)
SELECT s.group_id, g.group_id IS NULL
FROM {stage_groups} s
LEFT JOIN groups g ON g.group_id = s.group_id
WHERE g.group_id IS NULL
   OR CASE WHEN %(by_day)s THEN g.sync_day <> ALL (%(later_days)s) ELSE s.updated_at >= g.updated_at END;
