"""The resources of the code location, built once from the environment (settings.py says which
variable sets which field; the fields hold the defaults and the rules).

Every setting that changes what a run does is a field of one of them, so the UI's resource page
shows it and a test or a deployment can hand a run other ones. Secrets (the database URL, the
webhook URL) are passed as EnvVar: the UI shows the variable's name, and the value is read only
when a run starts.
"""

import dagster as dg

from groups_assets.settings import build_resources


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources())
