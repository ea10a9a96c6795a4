-- The source format the schema holds (no row: none yet).
SELECT format FROM source_format;
