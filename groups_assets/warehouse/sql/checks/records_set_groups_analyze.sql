ANALYZE {stage_set_groups};
