-- records_accounted, the formats of a membership table: the groups whose membership the day set,
-- those with a record in the day or named by one of its rows (keys turned into ids from the key
-- tables), unless a later day (%(later_days)s) changed that group's membership since. Analyzed
-- after (checks/records_set_groups_analyze.sql).
INSERT INTO {stage_set_groups} (group_id)
SELECT d.group_id
FROM (
    SELECT group_id FROM {stage_groups}
    UNION
    SELECT coalesce(r.group_id, k.group_id)
    FROM {stage_member_rows} r
    LEFT JOIN group_keys k ON k.group_key = r.group_key
) d
LEFT JOIN groups g ON g.group_id = d.group_id
WHERE d.group_id IS NOT NULL AND (g.members_day IS NULL OR g.members_day <> ALL (%(later_days)s));
