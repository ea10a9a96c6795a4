"""The sync-day partition, defined once and imported everywhere (keys follow days.py)."""

from dagster import DynamicPartitionsDefinition

sync_days = DynamicPartitionsDefinition(name="sync_days")
