-- COPY of CSV lines into a staging table (from the driver for a small day, else from each
-- executor task).
COPY {table} ({columns}) FROM STDIN (FORMAT csv);
