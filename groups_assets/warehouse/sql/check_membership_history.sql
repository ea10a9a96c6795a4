-- Memberships whose history breaks its shape: a membership with no open version, an open version
-- of a pair that is no longer a member, or versions that overlap (a pair removed and added again
-- may leave a gap between its versions).
WITH versions AS (
    SELECT group_id, agent_id, valid_to,
           lead(valid_from) OVER (PARTITION BY group_id, agent_id ORDER BY valid_from) AS next_from
    FROM membership_history
),
broken AS (
    SELECT group_id, agent_id, 'versions overlap' AS problem
    FROM versions
    WHERE next_from IS NOT NULL AND (valid_to IS NULL OR valid_to > next_from)
    UNION
    SELECT m.group_id, m.agent_id, 'no open version'
    FROM group_membership m
    WHERE NOT EXISTS (
        SELECT 1 FROM membership_history h
        WHERE h.group_id = m.group_id AND h.agent_id = m.agent_id AND h.valid_to IS NULL
    )
    UNION
    SELECT h.group_id, h.agent_id, 'open version of a pair that is not a member'
    FROM membership_history h
    WHERE h.valid_to IS NULL
      AND NOT EXISTS (SELECT 1 FROM group_membership m WHERE m.group_id = h.group_id AND m.agent_id = h.agent_id)
)
SELECT group_id, agent_id, problem, count(*) OVER () AS total
FROM broken
ORDER BY group_id, agent_id
LIMIT %(sample)s;
