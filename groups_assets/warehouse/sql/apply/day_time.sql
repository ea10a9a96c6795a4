-- The day's instant: every version the day opens or closes, and its applied_at, have it. Taken
-- once the day holds the schema's lock (a transaction's now() is when it began, and a day that
-- began first may take the lock second).
SELECT clock_timestamp();
