-- records_accounted, the formats of a membership table, at the cost of one pass over each side:
-- the day's rows, keys turned into ids from the key tables, against the pairs group_membership
-- stores for the groups whose membership the day set ({stage_set_groups}), each summed as
-- (count, sum of a 64-bit hash of the pair); a row of a group that a later day changed since is
-- held by that day. Returns (rows staged, whether every row's keys resolve and both sums are
-- equal). When not, the pair-by-pair comparison (records_member_rows.sql) names the difference.
WITH member_rows AS (
    SELECT coalesce(r.group_id, g.group_id) AS group_id, coalesce(r.agent_id, a.agent_id) AS agent_id
    FROM {stage_member_rows} r
    LEFT JOIN group_keys g ON g.group_key = r.group_key
    LEFT JOIN agent_keys a ON a.agent_key = r.agent_key
),
listed AS (
    SELECT count(*) AS staged,
           count(*) FILTER (WHERE s.group_id IS NOT NULL) AS pairs,
           coalesce(sum(hashint8extended(r.agent_id, r.group_id)) FILTER (WHERE s.group_id IS NOT NULL), 0) AS sum,
           count(*) FILTER (WHERE r.agent_id IS NULL OR r.group_id IS NULL) AS unresolved
    FROM member_rows r
    LEFT JOIN {stage_set_groups} s ON s.group_id = r.group_id
),
stored AS (
    SELECT count(*) AS pairs, coalesce(sum(hashint8extended(gm.agent_id, gm.group_id)), 0) AS sum
    FROM group_membership gm JOIN {stage_set_groups} USING (group_id)
)
SELECT l.staged, l.unresolved = 0 AND (l.pairs, l.sum) = (s.pairs, s.sum)
FROM listed l, stored s;
