-- A run's staging tables, dropped at its end (or by a later run's sweep, if it was killed). A
-- task attempt still writing can hold one a while: the run waits a minute at most (Stage.drop).
SET LOCAL lock_timeout = '60s';
DROP TABLE IF EXISTS {stage_groups}, {stage_members}, {stage_member_rows}, {stage_agents}, {stage_rejects},
    {stage_applied}, {stage_members_of}, {stage_set_groups}, {stage_claims};
