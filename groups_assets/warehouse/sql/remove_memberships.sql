-- An applied group's membership becomes exactly its agent_ids: remove pairs no longer listed.
DELETE FROM group_membership m
USING {stage_applied} a
WHERE m.group_id = a.group_id
  AND NOT EXISTS (
      SELECT 1 FROM {stage_members} s
      WHERE s.group_id = m.group_id AND s.agent_id = m.agent_id
  );
