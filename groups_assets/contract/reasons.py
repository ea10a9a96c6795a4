"""The reject reason codes of CONTRACT.md section 2, in the order they are tried."""

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
