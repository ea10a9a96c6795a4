-- The groups whose membership a day with a membership table sets (CONTRACT.md 7): those with a
-- valid record in the day and those its rows name, unless a later day (%(later_days)s) last
-- changed that membership.
INSERT INTO {stage_members_of} (group_id)
SELECT d.group_id
FROM (SELECT group_id FROM {stage_groups} UNION SELECT group_id FROM {stage_members}) d
LEFT JOIN groups g ON g.group_id = d.group_id
WHERE g.members_day IS NULL OR g.members_day <> ALL (%(later_days)s);
