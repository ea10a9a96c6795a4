"""groups_assets: daily admin-group exports into PostgreSQL, as a Dagster asset graph on Spark."""
