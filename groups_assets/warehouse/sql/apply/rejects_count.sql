-- The rejects of one day per source and reason.
SELECT source, reason, count(*) FROM rejects WHERE sync_day = %(sync_day)s GROUP BY 1, 2;
