-- A first load into tables emptied by hand: the open versions of memberships no longer there end.
UPDATE membership_history SET valid_to = %(at)s WHERE valid_to IS NULL;
