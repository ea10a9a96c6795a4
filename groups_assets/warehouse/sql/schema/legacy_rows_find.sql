-- A schema loaded before formats were recorded holds contract days when it holds any group.
SELECT EXISTS (SELECT 1 FROM groups);
