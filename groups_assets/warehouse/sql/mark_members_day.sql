-- The groups whose membership the day changes (a pair to remove or to add) record the day
-- (members_day), so that an earlier day replayed later leaves their membership alone.
UPDATE groups g
SET members_day = %(sync_day)s
FROM {stage_members_of} o
WHERE g.group_id = o.group_id
  AND g.members_day IS DISTINCT FROM %(sync_day)s
  AND (EXISTS (
           SELECT 1 FROM group_membership m
           WHERE m.group_id = o.group_id
             AND NOT EXISTS (SELECT 1 FROM {stage_members} s WHERE s.group_id = m.group_id AND s.agent_id = m.agent_id)
       )
       OR EXISTS (
           SELECT 1 FROM {stage_members} s
           WHERE s.group_id = o.group_id
             AND NOT EXISTS (SELECT 1 FROM group_membership m WHERE m.group_id = s.group_id AND m.agent_id = s.agent_id)
       ));
