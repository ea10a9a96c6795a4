-- The first rejects of one source in this run's staging table, as evidence for its check.
SELECT source_file, record_no, reason, left(raw_record, 200) AS raw
FROM {stage_rejects}
WHERE source = %(source)s
ORDER BY source_file, record_no
LIMIT %(sample)s;
