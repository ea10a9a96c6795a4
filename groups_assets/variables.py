"""Which environment variable sets which field of which resource, without Dagster: settings.py builds
the resources from it, and the command line reads the few it needs before Dagster is imported
(the Spark JVM starts first)."""

from __future__ import annotations

import os
from collections.abc import Mapping

# variable -> the fields ("resource.field") it sets.
VARIABLES = {
    "GROUPS_SOURCE_ROOT": ("source.root",),
    "GROUPS_SOURCE_FORMAT": ("source.format",),
    "GROUPS_SENSOR_SETTLE_SECONDS": ("source.settle_seconds",),
    "GROUPS_DATABASE_URL": ("postgres.url",),
    "GROUPS_DB_SCHEMA": ("postgres.schema_name",),
    "GROUPS_FIRST_LOAD": ("postgres.first_load",),
    "GROUPS_HOME": ("postgres.home", "spark.home"),
    "GROUPS_SPARK_MASTER": ("spark.master",),
    "GROUPS_CACHE_DIR": ("spark.cache_dir",),
    "GROUPS_MAX_REJECT_RATIO": ("checks.max_reject_ratio",),
    "GROUPS_CHECK_TIMEOUT_SECONDS": ("checks.timeout_seconds",),
    "GROUPS_ALERT_WEBHOOK_URL": ("alerts.url",),
    "GROUPS_ALERT_RETRY_HOURS": ("alerts.retry_hours",),
    "GROUPS_UI_BASE_URL": ("alerts.ui_base_url",),
    "GROUPS_SERVICENOW_URL": ("api.servicenow_url",),
    "GROUPS_SERVICENOW_USER": ("api.servicenow_user",),
    "GROUPS_SERVICENOW_PASSWORD": ("api.servicenow_password",),
    "GROUPS_SERVICENOW_TOKEN": ("api.servicenow_token",),
    "GROUPS_ZENDESK_URL": ("api.zendesk_url",),
    "GROUPS_ZENDESK_EMAIL": ("api.zendesk_email",),
    "GROUPS_ZENDESK_TOKEN": ("api.zendesk_token",),
    "GROUPS_ZENDESK_OAUTH_TOKEN": ("api.zendesk_oauth_token",),
    "GROUPS_FETCH_DEADLINE_SECONDS": ("api.deadline_seconds",),
}
SECRETS = (
    "GROUPS_DATABASE_URL",
    "GROUPS_ALERT_WEBHOOK_URL",
    "GROUPS_SERVICENOW_PASSWORD",
    "GROUPS_SERVICENOW_TOKEN",
    "GROUPS_ZENDESK_TOKEN",
    "GROUPS_ZENDESK_OAUTH_TOKEN",
)
# Folders: a relative one is taken from where the command runs, and kept absolute.
PATHS = ("source.root", "postgres.home", "spark.home", "spark.cache_dir")
# The defaults the resources' fields share with what runs before them (the CLI's early JVM).
DEFAULT_HOME = ".groups"
DEFAULT_SOURCE_ROOT = "sample_data"


def variable_of(field: str) -> str:
    """The variable that sets `field` ("resource.field")."""
    return next(name for name, fields in VARIABLES.items() if field in fields)


def given(field: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The value `environ` (default: this process's environment) gives `field`, or None."""
    env = os.environ if environ is None else environ
    return env.get(variable_of(field), "").strip() or None
