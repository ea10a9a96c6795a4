-- Whether the schema records its version, and whether it has tables at all (a new schema has neither).
SELECT to_regclass('schema_version') IS NOT NULL, to_regclass('groups') IS NOT NULL;
