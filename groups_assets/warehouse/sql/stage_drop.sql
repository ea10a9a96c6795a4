DROP TABLE IF EXISTS {stage_groups}, {stage_members}, {stage_agents}, {stage_rejects}, {stage_applied};
