-- Membership rows whose group has no valid record in the day (Spark kept their text) and is not
-- stored either: rejected as unknown_group (CONTRACT.md 7), out of the rows the day loads.
WITH unknown AS (
    DELETE FROM {stage_member_rows} r
    WHERE r.raw_record IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.group_key = coalesce(r.group_key, r.group_id::text))
    RETURNING r.source_file, r.record_no, r.raw_record
)
INSERT INTO {stage_rejects} (source, source_file, record_no, raw_record, reason)
SELECT %(members_source)s, source_file, record_no, raw_record, 'unknown_group'
FROM unknown;
