"""The `groups_assets` code location: what `dg dev`, `dagster dev -w workspace.yaml` and the CLI load.

Definitions are found in the defs/ folder (`load_from_defs_folder`, the `dg` project convention);
here they get the in-process executor for every job (the UI's *Materialize* runs the implicit
asset job, which takes the code location's executor) and the settings that every asset shares,
applied once.
"""

import warnings
from pathlib import Path

import dagster as dg
from dagster import PreviewWarning

OWNERS = ["team:data-platform"]
TAGS = {"domain": "helpdesk", "source": "admin-groups-export"}


def _shared_settings(spec: dg.AssetSpec) -> dg.AssetSpec:
    return spec.replace_attributes(owners=OWNERS, tags={**spec.tags, **TAGS})


@dg.definitions
def defs() -> dg.Definitions:
    found = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreviewWarning)  # map_asset_specs: stable in use, "preview" in name
        shared = found.map_asset_specs(func=_shared_settings)
    return dg.Definitions.merge(shared, dg.Definitions(executor=dg.in_process_executor))
