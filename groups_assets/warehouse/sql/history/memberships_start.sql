-- Membership history starts (a first load, or a database loaded before it existed): one open
-- version per membership the day leaves, in one bulk insert, in key order.
INSERT INTO membership_history (group_id, agent_id, valid_from, valid_to, sync_day)
SELECT group_id, agent_id, %(at)s, NULL, %(sync_day)s
FROM group_membership
ORDER BY group_id, agent_id;
