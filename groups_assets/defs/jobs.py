"""The job: every asset and check of one sync day, in one process."""

from dagster import AssetSelection, define_asset_job, in_process_executor

from groups_assets.names import SYNC_DAY_JOB
from groups_assets.partitions import sync_days

# One Spark session serves every step: the in-process executor runs them in this process.
sync_day_job = define_asset_job(
    SYNC_DAY_JOB,
    selection=AssetSelection.all(),
    partitions_def=sync_days,
    executor_def=in_process_executor,
    description="Load one sync day end to end: read, validate, apply to PostgreSQL, inactive flags, checks.",
)
