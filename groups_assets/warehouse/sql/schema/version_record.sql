-- The schema is now at this version.
INSERT INTO schema_version (version) VALUES (%(version)s)
ON CONFLICT (one_row) DO UPDATE SET version = EXCLUDED.version, migrated_at = now();
