-- First load: the indexes dropped by apply/first_load/indexes_drop.sql, built once over the loaded
-- rows (the same names and definitions as schema/base.sql and schema/migrations/ give them), then fresh statistics for the planner.
SET LOCAL maintenance_work_mem = '256MB';
ALTER TABLE groups ADD CONSTRAINT groups_pkey PRIMARY KEY (group_id);
ALTER TABLE groups ADD CONSTRAINT groups_group_key_key UNIQUE (group_key);
CREATE INDEX groups_parent_group_id_idx ON groups (parent_group_id);
ALTER TABLE group_membership ADD CONSTRAINT group_membership_pkey PRIMARY KEY (group_id, agent_id);
ALTER TABLE membership_history ADD CONSTRAINT membership_history_pkey PRIMARY KEY (group_id, agent_id, valid_from);
CREATE UNIQUE INDEX membership_history_open_idx ON membership_history (group_id, agent_id) WHERE valid_to IS NULL;
ANALYZE groups, group_membership, agents, membership_history;
