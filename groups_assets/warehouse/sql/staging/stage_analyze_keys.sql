-- The staged ids and pairs the day's transaction just filled, for the planner.
ANALYZE {stage_groups}, {stage_members}, {stage_agents};
