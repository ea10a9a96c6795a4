-- Groups named by id, as a check's sample.
SELECT group_id, name, parent_group_id FROM groups WHERE group_id = ANY(%(ids)s) ORDER BY group_id;
