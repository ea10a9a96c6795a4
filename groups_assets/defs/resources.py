"""The resources of the code location, built once from the settings (settings.py).

Every setting that changes what a run does is a field of one of them, so the UI's resource page
shows it and a test or a deployment can hand a run other ones. Secrets (the database URL, the
webhook URL) are passed as EnvVar: the UI shows the variable's name, and the value is read only
when a run starts.
"""

import dagster as dg

from groups_assets.resources.alert_webhook import AlertWebhook
from groups_assets.resources.checks import ChecksResource
from groups_assets.resources.postgres import PostgresResource
from groups_assets.resources.source import SourceResource
from groups_assets.resources.spark import SparkResource
from groups_assets.settings import ALERT_WEBHOOK_ENV, DATABASE_URL_ENV, Settings


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """The resources by key. The secrets of settings read from the environment are passed as
    EnvVar (read when a run starts, shown by name); others (a test's) as they are."""

    def secret(name: str, value: str | None) -> dg.EnvVar | str | None:
        return dg.EnvVar(name) if value and settings.secrets_from_environment else value

    return {
        "spark": SparkResource(
            master=settings.spark_master, home=str(settings.home), cache_dir=str(settings.cache_dir)
        ),
        "postgres": PostgresResource(
            url=secret(DATABASE_URL_ENV, settings.database_url),
            schema_name=settings.db_schema,
            embedded_pgdata=str(settings.embedded_pgdata),
            first_load=settings.first_load,
        ),
        "source": SourceResource(
            root=str(settings.source_root),
            format=settings.source_format,
            settle_seconds=settings.settle_seconds,
        ),
        "checks": ChecksResource(
            max_reject_ratio=settings.max_reject_ratio, timeout_seconds=settings.check_timeout_seconds
        ),
        "alerts": AlertWebhook(
            url=secret(ALERT_WEBHOOK_ENV, settings.alert_webhook_url),
            ui_base_url=settings.ui_base_url,
            retry_hours=settings.alert_retry_hours,
        ),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources(Settings.from_environment()))
