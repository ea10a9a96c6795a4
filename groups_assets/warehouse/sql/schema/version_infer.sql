-- The version of a schema loaded before versions were recorded, from the tables each version added.
SELECT CASE
    WHEN to_regclass('membership_history') IS NOT NULL THEN 4
    WHEN to_regclass('group_keys') IS NOT NULL THEN 3
    WHEN to_regclass('group_history') IS NOT NULL THEN 2
    ELSE 1
END;
