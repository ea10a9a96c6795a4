-- The agents the day changed (their row's sync_day is the day) whose history breaks its shape:
-- no open version, or a version that does not end where the next one begins (an overlap or a
-- gap; the open version must be the last). Only those: a day's check costs what it changed.
WITH touched AS (
    SELECT agent_id FROM agents WHERE sync_day = %(day)s
),
versions AS (
    SELECT h.agent_id, h.valid_to,
           lead(h.valid_from) OVER (PARTITION BY h.agent_id ORDER BY h.valid_from) AS next_from
    FROM agent_history h
    JOIN touched t ON t.agent_id = h.agent_id
),
broken AS (
    SELECT agent_id, 'versions overlap or leave a gap' AS problem
    FROM versions
    WHERE valid_to IS DISTINCT FROM next_from
    UNION
    SELECT t.agent_id, 'no open version'
    FROM touched t
    WHERE NOT EXISTS (SELECT 1 FROM agent_history h WHERE h.agent_id = t.agent_id AND h.valid_to IS NULL)
)
SELECT agent_id, problem, count(*) OVER () AS total
FROM broken
ORDER BY agent_id
LIMIT %(sample)s;
