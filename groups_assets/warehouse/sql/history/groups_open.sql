-- Open a version for every group without an open one: those just closed, those new today, and
-- (once, on the first run with history) every group of a database loaded before it existed.
INSERT INTO group_history (group_id, name, parent_group_id, deleted, inactive, valid_from, valid_to, sync_day)
SELECT g.group_id, g.name, g.parent_group_id, g.deleted, g.inactive, %(at)s, NULL, %(sync_day)s
FROM groups g
WHERE NOT EXISTS (SELECT 1 FROM group_history h WHERE h.group_id = g.group_id AND h.valid_to IS NULL);
