-- The memberships whose versions the day wrote (opened, or closed at its instant) and whose
-- history breaks its shape: a member with no open version, an open version of a pair that is no
-- longer a member, or versions that overlap (a pair removed and added again may leave a gap).
-- Only those: a day's check costs what the day changed, not the whole history.
WITH day AS (
    SELECT applied_at AS at FROM applied_days WHERE sync_day = %(day)s
),
touched AS (
    SELECT DISTINCT h.group_id, h.agent_id
    FROM membership_history h, day
    WHERE h.sync_day = %(day)s OR h.valid_to = day.at
),
versions AS (
    SELECT h.group_id, h.agent_id, h.valid_to,
           lead(h.valid_from) OVER (PARTITION BY h.group_id, h.agent_id ORDER BY h.valid_from) AS next_from
    FROM membership_history h
    JOIN touched t ON t.group_id = h.group_id AND t.agent_id = h.agent_id
),
open AS (
    SELECT t.group_id, t.agent_id,
           EXISTS (SELECT 1 FROM membership_history h
                   WHERE h.group_id = t.group_id AND h.agent_id = t.agent_id AND h.valid_to IS NULL) AS has_open,
           EXISTS (SELECT 1 FROM group_membership m
                   WHERE m.group_id = t.group_id AND m.agent_id = t.agent_id) AS is_member
    FROM touched t
),
broken AS (
    SELECT group_id, agent_id, 'versions overlap' AS problem
    FROM versions
    WHERE next_from IS NOT NULL AND (valid_to IS NULL OR valid_to > next_from)
    UNION
    SELECT group_id, agent_id, 'a member with no open version' FROM open WHERE is_member AND NOT has_open
    UNION
    SELECT group_id, agent_id, 'an open version of a pair that is not a member' FROM open WHERE has_open AND NOT is_member
)
SELECT group_id, agent_id, problem, count(*) OVER () AS total
FROM broken
ORDER BY group_id, agent_id
LIMIT %(sample)s;
