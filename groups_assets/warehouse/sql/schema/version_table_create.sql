-- Where a schema records its version (one row, with when it got there).
CREATE TABLE IF NOT EXISTS schema_version (
    version     INT NOT NULL,
    migrated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    one_row     BOOLEAN PRIMARY KEY DEFAULT true CHECK (one_row)
);
