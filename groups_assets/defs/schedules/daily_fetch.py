"""The daily fetch: each day at 06:00 UTC, today's partition (its date, YYYY-MM-DD) is added and
sync_day_job fetches the day from the source system's API and loads it. Off by default:
turn it on in the UI (*Automation*) or with `dagster schedule start daily_fetch`.

No `from __future__ import annotations` here: Dagster reads the `context` annotation.
"""

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from groups_assets.names import DAILY_FETCH, SYNC_DAY_JOB
from groups_assets.partitions import sync_days
from groups_assets.resources.source import SourceResource


@schedule(
    name=DAILY_FETCH,
    job_name=SYNC_DAY_JOB,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.STOPPED,
    description="Every day at 06:00 UTC: add today's partition (YYYY-MM-DD), fetch the day from "
    "ServiceNow's or Zendesk's API (GROUPS_SOURCE_FORMAT) and load it.",
)
def daily_fetch(context: ScheduleEvaluationContext, source: SourceResource) -> RunRequest | SkipReason:
    fmt = source.source_format()
    if fmt.fetch is None:
        return SkipReason(
            f"the {fmt.name} format has no API to fetch from: set GROUPS_SOURCE_FORMAT to servicenow "
            "or zendesk, or leave this schedule off"
        )
    day = context.scheduled_execution_time.date().isoformat()
    if day not in context.instance.get_dynamic_partitions(sync_days.name):
        context.instance.add_dynamic_partitions(sync_days.name, [day])
    return RunRequest(run_key=day, partition_key=day)
