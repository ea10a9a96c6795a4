ANALYZE records_set_groups;
