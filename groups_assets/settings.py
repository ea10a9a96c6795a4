"""Every setting of a run is a field of one resource; this says which environment variable sets
which field, and builds the resources from an environment.

The fields hold the defaults and the rules (resources/); nothing here repeats them. The code
location (defs/resources.py) builds its resources from the process's environment when it
loads, the CLI from the environment and its flags. Secrets are passed by name (dagster.EnvVar):
the UI shows the variable, never the value, and the value is read when a run starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import ValidationError

from groups_assets import formats
from groups_assets.resources.alert_webhook import AlertWebhook
from groups_assets.resources.api import ApiResource
from groups_assets.resources.checks import ChecksResource
from groups_assets.resources.postgres import PostgresResource
from groups_assets.resources.source import SourceResource
from groups_assets.resources.spark import SparkResource
from groups_assets.variables import PATHS, SECRETS, VARIABLES, variable_of
from groups_assets.warehouse.database import check_schema

RESOURCES: dict[str, type[dg.ConfigurableResource]] = {
    "source": SourceResource,
    "postgres": PostgresResource,
    "spark": SparkResource,
    "checks": ChecksResource,
    "alerts": AlertWebhook,
    "api": ApiResource,
}


class BadSetting(ValueError):
    """A setting whose value breaks its field's rule; the message names the variable."""


def build_resources(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, dg.ConfigurableResource]:
    """The resources of a run: each field from its variable in `environ` (default: this process's
    environment), else its default; `overrides` ({"source.root": ...}: the CLI's flags, a test's
    changes) win over both.
    Secrets of this process's environment are passed as EnvVar; those of another mapping (a
    test's) as they are. BadSetting names the variable of a value that breaks its rule."""
    from_process = environ is None
    env = os.environ if environ is None else environ
    values: dict[str, dict[str, Any]] = {key: {} for key in RESOURCES}
    for name, targets in VARIABLES.items():
        if not (text := env.get(name, "").strip()):
            continue
        for target in targets:
            key, field = target.split(".")
            values[key][field] = dg.EnvVar(name) if name in SECRETS and from_process else text
    for target, value in (overrides or {}).items():
        key, field = target.split(".")
        values[key][field] = value
    for target in PATHS:
        key, field = target.split(".")
        given = values[key].get(field, RESOURCES[key].model_fields[field].default)
        if given:
            values[key][field] = str(Path(given).resolve())
    built = {}
    for key, cls in RESOURCES.items():
        try:
            built[key] = cls(**values[key])
        except ValidationError as err:
            problem = err.errors()[0]
            name = problem["loc"][0]
            raise BadSetting(
                f"{variable_of(f'{key}.{name}')}={values[key][name]!r} is refused: {problem['msg']}. "
                f"It sets {key}.{name}: {cls.model_fields[name].description}"
            ) from None
    try:
        formats.get(built["source"].format)
    except ValueError as err:
        raise BadSetting(f"GROUPS_SOURCE_FORMAT: {err}") from None
    try:
        check_schema(built["postgres"].schema_name)
    except ValueError as err:
        raise BadSetting(str(err)) from None
    return built


def secret(value: str | None) -> str | None:
    """A secret field's value: read from its variable when the field holds the variable's name."""
    return value.get_value() if isinstance(value, dg.EnvVar) else value
