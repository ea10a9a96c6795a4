-- The schema's version, as recorded.
SELECT version FROM schema_version;
