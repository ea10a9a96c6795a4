"""groups_assets: daily admin-group exports into PostgreSQL, as a Dagster asset graph on Spark."""

# The code location's name, as workspace.yaml and [tool.dg.project] in pyproject.toml give it.
CODE_LOCATION = "groups_assets"
# The job that loads one sync day (defs/jobs.py); sensors, the CLI and the alerts name it.
SYNC_DAY_JOB = "sync_day_job"
