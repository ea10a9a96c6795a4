-- Groups that the day's transaction added (the applied table is filled before the groups upsert).
SELECT count(*) FROM {stage_applied} WHERE is_new;
