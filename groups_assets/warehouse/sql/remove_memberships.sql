-- The groups whose membership the day sets (the applied groups of the contract format, or
-- members_of.sql's) get exactly the day's pairs: remove the pairs no longer listed.
DELETE FROM group_membership m
USING {stage_members_of} a
WHERE m.group_id = a.group_id
  AND NOT EXISTS (
      SELECT 1 FROM {stage_members} s
      WHERE s.group_id = m.group_id AND s.agent_id = m.agent_id
  );
