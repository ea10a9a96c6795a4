-- Agents whose history breaks its shape: no open version, or a version that does not end where
-- the next one begins (an overlap or a gap; the open version must be the last).
WITH versions AS (
    SELECT agent_id, valid_to,
           lead(valid_from) OVER (PARTITION BY agent_id ORDER BY valid_from) AS next_from
    FROM agent_history
),
broken AS (
    SELECT agent_id, 'versions overlap or leave a gap' AS problem
    FROM versions
    WHERE valid_to IS DISTINCT FROM next_from
    UNION
    SELECT a.agent_id, 'no open version'
    FROM agents a
    WHERE NOT EXISTS (SELECT 1 FROM agent_history h WHERE h.agent_id = a.agent_id AND h.valid_to IS NULL)
)
SELECT agent_id, problem, count(*) OVER () AS total
FROM broken
ORDER BY agent_id
LIMIT %(sample)s;
