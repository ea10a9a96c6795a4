ANALYZE {stage_groups}, {stage_members}, {stage_member_rows}, {stage_agents}, {stage_rejects};
