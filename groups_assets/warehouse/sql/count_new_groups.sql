-- Groups that the day's transaction added (taken before the groups upsert in applied_groups).
SELECT count(*) FROM applied_groups WHERE is_new;
