-- The day's rejects, keyed by record: a re-run updates in place and adds no copy.
INSERT INTO rejects AS r (sync_day, source, source_file, record_no, raw_record, reason)
SELECT %(sync_day)s, source, source_file, record_no, raw_record, reason
FROM {stage_rejects}
ON CONFLICT (sync_day, source, source_file, record_no) DO UPDATE
SET raw_record = EXCLUDED.raw_record,
    reason = EXCLUDED.reason,
    rejected_at = EXCLUDED.rejected_at
WHERE (r.raw_record, r.reason) IS DISTINCT FROM (EXCLUDED.raw_record, EXCLUDED.reason);
