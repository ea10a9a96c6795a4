DROP TABLE IF EXISTS {stage_groups}, {stage_members}, {stage_member_rows}, {stage_agents}, {stage_rejects},
    {stage_applied}, {stage_members_of}, {stage_set_groups}, {stage_claims};
