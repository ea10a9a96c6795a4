-- A run holds the lock of its staging tables for as long as its connection lives: tables whose
-- lock nobody holds belong to a run that was killed, and may be dropped.
SELECT pg_advisory_lock(%(namespace)s, hashtext(%(token)s));
