"""The names of the asset graph, in one place: the code location, the job, the step, every asset and
every check. graph.py, the checks, the sensors, the CLI and its summary all take them from here."""

from groups_assets.contract.format import AGENTS, GROUPS, MEMBERS

CODE_LOCATION = "groups_assets"  # as workspace.yaml and [tool.dg.project] in pyproject.toml say
SYNC_DAY_JOB = "sync_day_job"
DAILY_FETCH = "daily_fetch"  # the schedule that fetches and loads today's day
STEP = "sync_day"  # the one step that materializes a day's assets
SOURCE_DAY = "source_day"  # the day's folder, fetched from the system's API where it has one

# Assets, by the kind of source table they come from.
RAW = {GROUPS: "raw_groups", MEMBERS: "raw_memberships", AGENTS: "raw_agents"}
VALIDATED = {GROUPS: "validated_groups", MEMBERS: "validated_memberships", AGENTS: "validated_agents"}
TABLE = {GROUPS: "groups_table", MEMBERS: "membership_table", AGENTS: "agents_table"}
INACTIVE_FLAGS = "inactive_flags"
HISTORY = {GROUPS: "group_history", MEMBERS: "membership_history", AGENTS: "agent_history"}
ASSETS = (SOURCE_DAY, *RAW.values(), *VALIDATED.values(), *TABLE.values(), INACTIVE_FLAGS, *HISTORY.values())

# Checks the step evaluates (on the day's records), by kind where there is one per kind.
MALFORMED = {GROUPS: "malformed_groups", MEMBERS: "malformed_memberships", AGENTS: "malformed_agents"}
REJECT_RATIO = "reject_ratio"
RECORDS_ACCOUNTED = "records_accounted"
# Checks on the tables after the day (defs/checks/tables.py).
ORPHAN_MEMBERSHIPS = "orphan_memberships"
ORPHAN_PARENTS = "orphan_parents"
HIERARCHY_CYCLES = "hierarchy_cycles"
HISTORY_VERSIONS = {
    GROUPS: "history_versions",
    MEMBERS: "membership_history_versions",
    AGENTS: "agent_history_versions",
}
