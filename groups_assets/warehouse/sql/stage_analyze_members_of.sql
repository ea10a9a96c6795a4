-- The groups whose membership the day sets, just filled (members_of.sql), for the planner: it
-- joins them with the day's pairs (add_memberships.sql, remove_memberships.sql).
ANALYZE {stage_members_of};
