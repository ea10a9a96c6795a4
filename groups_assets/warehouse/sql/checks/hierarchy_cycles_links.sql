-- Every group's link to its parent, in id order: the cycle check walks them (linear) in Python.
SELECT group_id, parent_group_id FROM groups ORDER BY group_id;
