-- A format that keys its records by text: every group key of the day (its groups and their
-- parents) gets its id once, in key order, and the staged groups take their ids (two joins: a
-- subquery per row would look each parent up one by one).
INSERT INTO group_keys (group_key)
SELECT k
FROM (SELECT group_key FROM {stage_groups} UNION SELECT parent_key FROM {stage_groups}) d(k)
WHERE k IS NOT NULL AND NOT EXISTS (SELECT 1 FROM group_keys g WHERE g.group_key = d.k)
ORDER BY k;
UPDATE {stage_groups} s
SET group_id = k.group_id, parent_group_id = p.group_id
FROM {stage_groups} o
JOIN group_keys k ON k.group_key = o.group_key
LEFT JOIN group_keys p ON p.group_key = o.parent_key
WHERE o.ctid = s.ctid;
