"""Dagster resources, one per module: the Spark session, the PostgreSQL target, the source
folder, the check limits and the alert webhook. defs/resources.py builds them from the settings."""
