-- Groups whose history breaks its shape: no open version, or a version that does not end where
-- the next one begins (an overlap or a gap; the open version must be the last).
WITH versions AS (
    SELECT group_id, valid_to,
           lead(valid_from) OVER (PARTITION BY group_id ORDER BY valid_from) AS next_from
    FROM group_history
),
broken AS (
    SELECT group_id, 'versions overlap or leave a gap' AS problem
    FROM versions
    WHERE valid_to IS DISTINCT FROM next_from
    UNION
    SELECT g.group_id, 'no open version'
    FROM groups g
    WHERE NOT EXISTS (SELECT 1 FROM group_history h WHERE h.group_id = g.group_id AND h.valid_to IS NULL)
)
SELECT group_id, problem, count(*) OVER () AS total
FROM broken
ORDER BY group_id
LIMIT %(sample)s;
