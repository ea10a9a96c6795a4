"""Resources: the Spark session, the PostgreSQL target, the source root and the alert webhook,
each built from the settings."""

from __future__ import annotations

from dagster import EnvVar

from groups_assets.resources.alert_webhook import AlertWebhook
from groups_assets.resources.postgres import PostgresResource
from groups_assets.resources.source import SourceResource
from groups_assets.resources.spark import spark_resource
from groups_assets.settings import ALERT_WEBHOOK_ENV, DATABASE_URL_ENV, Settings


def build_resources(settings: Settings) -> dict[str, object]:
    """The resources by key. Secrets (the database URL, the webhook URL) are passed as EnvVar: the
    Dagster UI shows the variable's name, and the value is read only when the run starts."""
    return {
        "spark": spark_resource(settings.spark_master, settings.cache_dir),
        "postgres": PostgresResource(
            url=EnvVar(DATABASE_URL_ENV) if settings.database_url else None,
            schema_name=settings.db_schema,
            embedded_pgdata=str(settings.embedded_pgdata),
        ),
        "source": SourceResource(root=str(settings.source_root)),
        "alerts": AlertWebhook(
            url=EnvVar(ALERT_WEBHOOK_ENV) if settings.alert_webhook_url else None,
            ui_base_url=settings.ui_base_url,
        ),
    }
