-- records_accounted, the contract format, at the cost of one pass over each side: the pairs the
-- day's group records list for the groups whose membership they set ({stage_set_groups}), and the
-- pairs group_membership stores for those groups, each summed as (count, sum of a 64-bit hash of
-- the pair). Returns whether both sums are equal: then both sides hold the same pairs; when not,
-- the pair-by-pair comparison (records_listed_members.sql) names the difference.
WITH listed AS (
    SELECT count(*) AS pairs, coalesce(sum(hashint8extended(m.agent_id, m.group_id)), 0) AS sum
    FROM {stage_members} m JOIN {stage_set_groups} USING (group_id)
),
stored AS (
    SELECT count(*) AS pairs, coalesce(sum(hashint8extended(gm.agent_id, gm.group_id)), 0) AS sum
    FROM group_membership gm JOIN {stage_set_groups} USING (group_id)
)
SELECT (l.pairs, l.sum) = (s.pairs, s.sum)
FROM listed l, stored s;
