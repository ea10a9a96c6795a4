-- The day is applied to the schema (once per day; a re-run updates the time).
INSERT INTO applied_days (sync_day, applied_at) VALUES (%(sync_day)s, %(at)s)
ON CONFLICT (sync_day) DO UPDATE SET applied_at = EXCLUDED.applied_at;
