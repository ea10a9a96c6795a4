-- An executor task attempt's claim on its partition of one staging table, inserted just before
-- its COPY commits: a second attempt of the partition fails here (unique_violation) and rolls
-- its COPY back.
INSERT INTO {table} (source, kind, partition, attempt, rows)
VALUES (%(source)s, %(kind)s, %(partition)s, %(attempt)s, %(rows)s);
