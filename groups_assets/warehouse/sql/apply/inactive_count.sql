-- How many groups are inactive, of how many.
SELECT count(*) FILTER (WHERE inactive), count(*) FROM groups;
