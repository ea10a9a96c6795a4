-- Every day applied to the schema.
SELECT sync_day FROM applied_days;
