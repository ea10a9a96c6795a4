"""The resources of the code location, from the environment (settings.py)."""

import dagster as dg

from groups_assets.resources import build_resources
from groups_assets.settings import load_settings


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources(load_settings()))
