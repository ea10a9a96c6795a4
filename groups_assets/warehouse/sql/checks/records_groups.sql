-- records_accounted: the day's staged group records, and those the groups table does not hold.
-- A record is held when its group's row has the record's version, or a newer one: a greater
-- updated_at, or, for the formats whose days are ordered (%(by_day)s), a row that a later day
-- (%(later_days)s) changed. Read after the day's writes, in its transaction: whatever swallowed a
-- write (a faulty statement, a trigger, a rule) shows here. Returns (records staged, records not
-- held, a sample of those as JSON).
WITH checked AS (
    SELECT coalesce(s.group_key, s.group_id::text) AS group_key, s.updated_at,
           g.group_id IS NOT NULL AS stored, g.updated_at AS stored_updated_at, g.sync_day AS stored_day,
           g.group_id IS NOT NULL AND (
               (g.group_key, g.name, g.parent_group_id, g.created_at, g.updated_at, g.deleted)
                   IS NOT DISTINCT FROM
               (coalesce(s.group_key, s.group_id::text), s.name, s.parent_group_id, s.created_at,
                s.updated_at, s.deleted)
               OR CASE WHEN %(by_day)s THEN g.sync_day = ANY (%(later_days)s)
                       ELSE g.updated_at > s.updated_at END
           ) AS held
    FROM {stage_groups} s
    LEFT JOIN groups g ON g.group_id = s.group_id
),
missing AS (SELECT * FROM checked WHERE NOT held)
SELECT (SELECT count(*) FROM checked),
       (SELECT count(*) FROM missing),
       (SELECT coalesce(json_agg(x), '[]'::json) FROM (
            SELECT group_key AS record,
                   format('updated_at %%s; stored: %%s', updated_at,
                          CASE WHEN stored THEN format('a row of day %%s, updated_at %%s, other content',
                                                       stored_day, stored_updated_at)
                               ELSE 'no row' END) AS found
            FROM missing ORDER BY group_key LIMIT %(sample)s) x);
