-- True when the target tables hold nothing yet: the day can be loaded by the first-load path.
SELECT NOT EXISTS (SELECT 1 FROM groups)
   AND NOT EXISTS (SELECT 1 FROM group_membership)
   AND NOT EXISTS (SELECT 1 FROM agents);
