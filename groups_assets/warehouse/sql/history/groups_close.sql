-- Close the open version of every group whose name, parent, deleted or inactive flag is no
-- longer what the version says, at the day's time (%(at)s: one instant for every statement of the
-- day, taken once the day holds the schema's lock, so the days' instants follow the order they
-- applied in). Runs after the inactive flags are set, so flips caused by agents or by groups
-- below count too.
UPDATE group_history h
SET valid_to = %(at)s
FROM groups g
WHERE h.group_id = g.group_id
  AND h.valid_to IS NULL
  AND (h.name, h.parent_group_id, h.deleted, h.inactive)
      IS DISTINCT FROM (g.name, g.parent_group_id, g.deleted, g.inactive);
