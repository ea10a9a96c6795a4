-- The executors' COPY of CSV lines into a staging table.
COPY {table} ({columns}) FROM STDIN (FORMAT csv);
