-- Groups inactive with no inactive_since: in a database loaded before history existed, they
-- take the time of the first run that sees them (from then on apply/inactive_update.sql keeps the column).
UPDATE groups SET inactive_since = %(at)s WHERE inactive AND inactive_since IS NULL;
