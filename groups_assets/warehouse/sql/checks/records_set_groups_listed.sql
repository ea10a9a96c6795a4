-- records_accounted, the contract format: the groups whose membership the day set, those whose
-- row holds the day's own record of them (an older record sets nothing). Analyzed after
-- (checks/records_set_groups_analyze.sql), so that the comparisons that follow are planned on its
-- true size.
INSERT INTO {stage_set_groups} (group_id)
SELECT s.group_id
FROM {stage_groups} s
JOIN groups g ON g.group_id = s.group_id
WHERE (g.name, g.parent_group_id, g.created_at, g.updated_at, g.deleted)
      IS NOT DISTINCT FROM (s.name, s.parent_group_id, s.created_at, s.updated_at, s.deleted);
