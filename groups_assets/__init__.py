"""Daily admin-group exports into PostgreSQL, as a Dagster asset graph on PySpark."""
