-- Which of the tables that tell the schema's format exist (a new schema has neither).
SELECT to_regclass('source_format') IS NOT NULL, to_regclass('groups') IS NOT NULL;
