-- The memberships whose versions this run of the day wrote (opened, or closed, at the day's
-- instant) and whose history breaks its shape: a member with no open version, an open version of
-- a pair that is no longer a member, or versions that overlap (a pair removed and added again
-- may leave a gap). Only those, in set-based passes: a day's check costs what the day wrote, and
-- a re-run that changes nothing checks nothing.
WITH day AS (
    SELECT applied_at AS at FROM applied_days WHERE sync_day = %(day)s
),
touched AS (
    SELECT DISTINCT h.group_id, h.agent_id
    FROM membership_history h, day
    WHERE h.valid_from = day.at OR h.valid_to = day.at
),
versions AS (
    SELECT h.group_id, h.agent_id, h.valid_to,
           lead(h.valid_from) OVER (PARTITION BY h.group_id, h.agent_id ORDER BY h.valid_from) AS next_from
    FROM membership_history h
    JOIN touched t ON t.group_id = h.group_id AND t.agent_id = h.agent_id
),
pairs AS (
    SELECT group_id, agent_id,
           bool_or(valid_to IS NULL) AS has_open,
           bool_or(next_from IS NOT NULL AND (valid_to IS NULL OR valid_to > next_from)) AS overlaps
    FROM versions
    GROUP BY group_id, agent_id
),
broken AS (
    SELECT p.group_id, p.agent_id,
           CASE WHEN p.overlaps THEN 'versions overlap'
                WHEN m.group_id IS NOT NULL AND NOT p.has_open THEN 'a member with no open version'
                WHEN m.group_id IS NULL AND p.has_open THEN 'an open version of a pair that is not a member'
           END AS problem
    FROM pairs p
    LEFT JOIN group_membership m ON m.group_id = p.group_id AND m.agent_id = p.agent_id
)
SELECT group_id, agent_id, problem, count(*) OVER () AS total
FROM broken
WHERE problem IS NOT NULL
ORDER BY group_id, agent_id
LIMIT %(sample)s;
