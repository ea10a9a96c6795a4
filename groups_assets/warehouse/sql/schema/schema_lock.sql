-- The writer lock of one schema, held until the transaction ends: days apply one at a time.
SELECT pg_advisory_xact_lock(%(namespace)s, hashtext(%(schema)s));
