-- First load: the tables are empty, so their rows go in without index maintenance and the
-- indexes are built once afterwards (apply/first_load/indexes_create.sql), inside the same transaction.
ALTER TABLE groups DROP CONSTRAINT groups_pkey;
ALTER TABLE groups DROP CONSTRAINT groups_group_key_key;
DROP INDEX groups_parent_group_id_idx;
ALTER TABLE group_membership DROP CONSTRAINT group_membership_pkey;
ALTER TABLE membership_history DROP CONSTRAINT membership_history_pkey;
DROP INDEX membership_history_open_idx;
