"""The reject reason codes of CONTRACT.md, in the order they are tried."""

GROUP_REASONS = (
    "invalid_json",
    "not_an_object",
    "missing_group_id",
    "invalid_group_id",
    "missing_name",
    "invalid_name",
    "invalid_timestamp",
    "invalid_parent_group_id",
    "self_parent",
    "invalid_agent_ids",
    "invalid_deleted",
    "duplicate_group_id",
)
AGENT_REASONS = (
    "invalid_json",
    "not_an_object",
    "missing_agent_id",
    "invalid_agent_id",
    "invalid_active",
    "invalid_timestamp",
    "duplicate_agent_id",
)
# A row of a membership table (CONTRACT.md 7).
MEMBER_REASONS = (
    "invalid_json",
    "not_an_object",
    "missing_group",
    "missing_user",
    "invalid_group",
    "invalid_user",
    "unknown_group",
)
# Decided after a record's own rules: among the day's records (duplicates, in Spark) or against
# the stored tables (unknown_group, in the day's transaction).
DECIDED_LATER = ("duplicate_group_id", "duplicate_agent_id", "unknown_group")
