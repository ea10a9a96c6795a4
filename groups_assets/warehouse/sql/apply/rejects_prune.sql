-- Rejects of this day that its files no longer produce (the export was corrected and re-run).
DELETE FROM rejects r
WHERE r.sync_day = %(sync_day)s
  AND NOT EXISTS (
      SELECT 1 FROM {stage_rejects} s
      WHERE s.source = r.source AND s.source_file = r.source_file AND s.record_no = r.record_no
  );
