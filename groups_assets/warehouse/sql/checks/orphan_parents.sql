-- Groups whose parent_group_id names no group: the walk upward ends there.
SELECT g.group_id, g.name, g.parent_group_id, count(*) OVER () AS total
FROM groups g
WHERE g.parent_group_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM groups p WHERE p.group_id = g.parent_group_id)
ORDER BY g.group_id
LIMIT %(sample)s;
