-- True when no live run holds the lock of these staging tables (their run is gone).
SELECT pg_try_advisory_lock(%(namespace)s, hashtext(%(token)s));
