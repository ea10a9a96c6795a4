-- Groups on a parent_group_id cycle. Every group reached going down from a root (no parent,
-- or an orphan parent) is on no cycle; that walk is linear. Only the few groups it does not
-- reach (on a cycle, or below one) are walked up to see whether they come back to themselves.
WITH RECURSIVE reached (group_id) AS (
    SELECT g.group_id
    FROM groups g
    WHERE g.parent_group_id IS NULL
       OR NOT EXISTS (SELECT 1 FROM groups p WHERE p.group_id = g.parent_group_id)
    UNION
    SELECT c.group_id
    FROM reached r
    JOIN groups c ON c.parent_group_id = r.group_id
),
unreached AS (
    SELECT g.group_id, g.parent_group_id
    FROM groups g
    WHERE NOT EXISTS (SELECT 1 FROM reached r WHERE r.group_id = g.group_id)
),
walk (start_id, group_id, steps) AS (
    SELECT u.group_id, u.parent_group_id, 1
    FROM unreached u
    UNION ALL
    SELECT w.start_id, u.parent_group_id, w.steps + 1
    FROM walk w
    JOIN unreached u ON u.group_id = w.group_id
    WHERE w.group_id <> w.start_id
      AND w.steps <= (SELECT count(*) FROM unreached)
)
SELECT g.group_id, g.name, g.parent_group_id, count(*) OVER () AS total
FROM groups g
WHERE g.group_id IN (SELECT start_id FROM walk WHERE group_id = start_id)
ORDER BY g.group_id
LIMIT %(sample)s;
