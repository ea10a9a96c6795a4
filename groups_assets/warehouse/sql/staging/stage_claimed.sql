-- The rows the executor tasks of one source folder committed, per staging table.
SELECT kind, sum(rows)::bigint
FROM {table}
WHERE source = %(source)s
GROUP BY kind;
