-- The groups whose membership the day sets (apply/upsert/members_of_insert.sql, or the contract format's applied
-- groups), indexed and analyzed before apply/upsert/memberships_remove.sql and apply/upsert/memberships_add.sql join them
-- with the day's pairs. Those anti-joins of two near-equal pair sets are estimated at one row,
-- and on that estimate the planner may probe this table once per changed pair: by the index a
-- lookup, without it a scan of every group (80-105 s on a 100k-group day instead of 1 s).
-- Built after the table is filled: kept up row by row, the index would cost more.
CREATE UNIQUE INDEX ON {stage_members_of} (group_id);
ANALYZE {stage_members_of};
