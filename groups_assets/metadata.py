"""The keys of the materialization metadata: written by the sync_day step, read by the CLI's
summary and the benchmark. Numbers are plotted by the Dagster UI across days."""

FOLDER = "folder"  # the source folder a raw asset read (text); source_day: the day's folder
FETCHED = "fetched"  # source_day: whether the day was fetched from the API (else it was there)
TABLES = "tables"  # source_day: what a fetch wrote, by API table (markdown)
FILES = "files"
BYTES = "bytes"
RECORDS = "records"
VALID = "valid"
REJECTED = "rejected"
GROUPS_LOADED = "groups_loaded"
GROUPS_WRITTEN = "groups_written"
GROUPS_NEW = "groups_new"
GROUPS_TOTAL = "groups_total"
REJECTS = "rejects"
MEMBERSHIPS_LISTED = "memberships_listed"
MEMBERSHIPS_ADDED = "memberships_added"
MEMBERSHIPS_REMOVED = "memberships_removed"
AGENTS_LOADED = "agents_loaded"
AGENTS_WRITTEN = "agents_written"
USERS_SKIPPED = "users_skipped"  # users that are not agents, not stored (zendesk)
BECAME_INACTIVE = "became_inactive"
BECAME_ACTIVE = "became_active"
GROUPS_FLIPPED = "groups_flipped"
INACTIVE_GROUPS = "inactive_groups"
VERSIONS_OPENED = "versions_opened"
VERSIONS_CLOSED = "versions_closed"
SECONDS = "seconds"
SPARK = "spark"  # which Spark the run used (text)
TASKS_RUN_AGAIN = "tasks_run_again"  # executor tasks whose accepted attempt was not their first
