"""The shape of the asset graph: every asset a sync day materializes, and the checks the step
itself evaluates, as specs (names, lineage, descriptions).

The step in defs/assets/sync_day.py materializes them all. The specs live here, outside defs/:
the defs-folder loader would take a module-level list of AssetSpec there for assets of their
own.
"""

from dagster import AssetCheckSpec, AssetSpec

ASSETS = (
    AssetSpec(
        "raw_groups",
        kinds={"spark", "json"},
        group_name="groups",
        description="Every record of the day's admin_groups/*.json (JSON Lines or arrays), with its "
        "file, line and raw text, parsed as JSON where it parses.",
    ),
    AssetSpec(
        "raw_agents",
        kinds={"spark", "json"},
        group_name="agents",
        description="Every record of the day's agents/*.json (optional folder: absent means no "
        "agent changes that day).",
    ),
    AssetSpec(
        "validated_groups",
        deps=["raw_groups"],
        kinds={"spark"},
        group_name="groups",
        description="The day's group records checked against the contract: valid ones with typed "
        "fields (duplicates resolved by updated_at), the rest with the first reason that applies.",
    ),
    AssetSpec(
        "validated_agents",
        deps=["raw_agents"],
        kinds={"spark"},
        group_name="agents",
        description="The day's agent records checked against the contract.",
    ),
    AssetSpec(
        "groups_table",
        deps=["validated_groups"],
        kinds={"postgres"},
        group_name="groups",
        description="PostgreSQL `groups`: upserted on group_id; a record never replaces a row with "
        "a newer updated_at; deletes are soft.",
    ),
    AssetSpec(
        "membership_table",
        deps=["validated_groups"],
        kinds={"postgres"},
        group_name="groups",
        description="PostgreSQL `group_membership`: an applied group's members become exactly its agent_ids.",
    ),
    AssetSpec(
        "agents_table",
        deps=["validated_agents"],
        kinds={"postgres"},
        group_name="agents",
        description="PostgreSQL `agents`: upserted on agent_id with the updated_at guard.",
    ),
    AssetSpec(
        "inactive_flags",
        deps=["groups_table", "membership_table", "agents_table"],
        kinds={"postgres"},
        group_name="groups",
        description="`groups.inactive`: true unless the group or a group below it, at any depth, has "
        "an active agent; `groups.inactive_since`: when it last became inactive.",
    ),
    AssetSpec(
        "group_history",
        deps=["inactive_flags"],
        kinds={"postgres"},
        group_name="groups",
        description="PostgreSQL `group_history`: every version of every group (name, parent, deleted, "
        "inactive) with valid_from/valid_to in transaction time and the sync_day that caused it.",
    ),
)

STEP_CHECKS = (
    AssetCheckSpec(
        "malformed_groups",
        asset="validated_groups",
        description="Group records that break the contract, counted per reject reason, with a sample.",
    ),
    AssetCheckSpec(
        "malformed_agents",
        asset="validated_agents",
        description="Agent records that break the contract, counted per reject reason, with a sample.",
    ),
    AssetCheckSpec(
        "records_accounted",
        asset="groups_table",
        description="Every record read that day is accounted for: read = loaded + rejected, for "
        "admin_groups and agents alike.",
    ),
    AssetCheckSpec(
        "reject_ratio",
        asset="validated_groups",
        blocking=True,
        description="Blocks the day before anything is written when more than GROUPS_MAX_REJECT_RATIO "
        "(default 20%) of its records (groups and agents) are rejected, or no group record is valid.",
    ),
)
