-- The schema holds the days of this source format from now on.
INSERT INTO source_format (format) VALUES (%(format)s) ON CONFLICT DO NOTHING;
