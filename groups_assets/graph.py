"""The shape of the asset graph: every asset a sync day materializes, and the checks the step
itself evaluates, as specs (names, lineage, descriptions).

The step in defs/assets/sync_day.py materializes them all. The specs live here, outside defs/:
the defs-folder loader would take a module-level list of AssetSpec there for assets of their
own.
"""

import warnings

from dagster import AssetCheckSpec, AssetSpec, PreviewWarning

from groups_assets import names
from groups_assets.contract.format import AGENTS, GROUPS, MEMBERS
from groups_assets.partitions import sync_days

ASSETS = (
    AssetSpec(
        names.SOURCE_DAY,
        kinds={"api", "json"},
        group_name="source",
        description="The day's sync-<day>/ folder, as the source system gave it: kept as it is when "
        "it is there (an export, or `groups-pipeline fetch`), fetched whole from ServiceNow's or "
        "Zendesk's API (GROUPS_SERVICENOW_* or GROUPS_ZENDESK_*) when it is not.",
    ),
    AssetSpec(
        names.RAW[GROUPS],
        deps=[names.SOURCE_DAY],
        kinds={"spark", "json"},
        group_name="groups",
        description="Every record of the day's group folder (admin_groups/, sys_user_group/ or "
        "groups/, by the source format): JSON Lines, arrays or API pages, with its file, line and "
        "raw text, parsed as JSON where it parses.",
    ),
    AssetSpec(
        names.RAW[MEMBERS],
        deps=[names.SOURCE_DAY],
        kinds={"spark", "json"},
        group_name="groups",
        description="Every row of the day's membership table (sys_user_grmember/ or "
        "group_memberships/; optional folder: absent means no membership changes that day). The "
        "contract format has none: its members come inside the group records.",
    ),
    AssetSpec(
        names.RAW[AGENTS],
        deps=[names.SOURCE_DAY],
        kinds={"spark", "json"},
        group_name="agents",
        description="Every record of the day's agent folder (agents/, sys_user/ or users/; optional "
        "folder: absent means no agent changes that day).",
    ),
    AssetSpec(
        names.VALIDATED[GROUPS],
        deps=[names.RAW[GROUPS]],
        kinds={"spark"},
        group_name="groups",
        description="The day's group records checked against the contract: valid ones with typed "
        "fields (duplicates resolved by updated_at), the rest with the first reason that applies.",
    ),
    AssetSpec(
        names.VALIDATED[MEMBERS],
        deps=[names.RAW[MEMBERS]],
        kinds={"spark"},
        group_name="groups",
        description="The day's membership rows checked against the contract (CONTRACT.md 7): a group "
        "and a user that are keys of the format, the group in the day or stored.",
    ),
    AssetSpec(
        names.VALIDATED[AGENTS],
        deps=[names.RAW[AGENTS]],
        kinds={"spark"},
        group_name="agents",
        description="The day's agent records checked against the contract (users that are not "
        "agents are skipped).",
    ),
    AssetSpec(
        names.TABLE[GROUPS],
        deps=[names.VALIDATED[GROUPS]],
        kinds={"postgres"},
        group_name="groups",
        description="PostgreSQL `groups`: upserted on group_id, with the source system's key in "
        "group_key; a record never replaces a row a newer one wrote (by updated_at, or by day for "
        "the formats whose days are ordered); deletes are soft.",
    ),
    AssetSpec(
        names.TABLE[MEMBERS],
        deps=[names.VALIDATED[GROUPS], names.VALIDATED[MEMBERS]],
        kinds={"postgres"},
        group_name="groups",
        description="PostgreSQL `group_membership`: the members of each group the day sets become "
        "exactly the day's (its agent_ids, or its membership rows).",
    ),
    AssetSpec(
        names.TABLE[AGENTS],
        deps=[names.VALIDATED[AGENTS]],
        kinds={"postgres"},
        group_name="agents",
        description="PostgreSQL `agents`: upserted on agent_id, with the source system's key in "
        "agent_key, under the same guard as the groups.",
    ),
    AssetSpec(
        names.INACTIVE_FLAGS,
        deps=list(names.TABLE.values()),
        kinds={"postgres"},
        group_name="groups",
        description="`groups.inactive`: true unless the group or a group below it, at any depth, has "
        "an active agent; `groups.inactive_since`: when it last became inactive.",
    ),
    AssetSpec(
        names.HISTORY[MEMBERS],
        deps=[names.TABLE[MEMBERS]],
        kinds={"postgres"},
        group_name="groups",
        description="PostgreSQL `membership_history`: every version of every membership (a group and "
        "an agent) with valid_from/valid_to in transaction time and the sync_day that caused it; "
        "with group_history it answers who was in a group, at any depth, at any past instant "
        "(effective_membership_at).",
    ),
    AssetSpec(
        names.HISTORY[AGENTS],
        deps=[names.TABLE[AGENTS]],
        kinds={"postgres"},
        group_name="agents",
        description="PostgreSQL `agent_history`: every version of every agent (name, email, active) "
        "with valid_from/valid_to in transaction time and the sync_day that caused it.",
    ),
    AssetSpec(
        names.HISTORY[GROUPS],
        deps=[names.INACTIVE_FLAGS],
        kinds={"postgres"},
        group_name="groups",
        description="PostgreSQL `group_history`: every version of every group (name, parent, deleted, "
        "inactive) with valid_from/valid_to in transaction time and the sync_day that caused it.",
    ),
)

# A check result carries its day (the UI shows it as the partition of the check), which Dagster
# allows for check specs with a partitions definition: stable in use, "preview" in name.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", PreviewWarning)
    STEP_CHECKS = (
        AssetCheckSpec(
            names.MALFORMED[GROUPS],
            asset=names.VALIDATED[GROUPS],
            partitions_def=sync_days,
            description="Group records that break the contract, counted per reject reason, with a sample.",
        ),
        AssetCheckSpec(
            names.MALFORMED[MEMBERS],
            asset=names.VALIDATED[MEMBERS],
            partitions_def=sync_days,
            description="Membership rows that break the contract (CONTRACT.md 7), unknown groups "
            "included, counted per reject reason, with a sample.",
        ),
        AssetCheckSpec(
            names.MALFORMED[AGENTS],
            asset=names.VALIDATED[AGENTS],
            partitions_def=sync_days,
            description="Agent records that break the contract, counted per reject reason, with a sample.",
        ),
        AssetCheckSpec(
            names.RECORDS_ACCOUNTED,
            asset=names.TABLE[GROUPS],
            partitions_def=sync_days,
            description="Every record read that day is accounted for, folder by folder: read = loaded + "
            "rejected (+ skipped: users that are not agents), where loaded counts the valid records the "
            "tables hold after the day (their version or a newer one, and the memberships they set) "
            "and rejected the day's rows in `rejects`.",
        ),
        AssetCheckSpec(
            names.REJECT_RATIO,
            asset=names.VALIDATED[GROUPS],
            partitions_def=sync_days,
            blocking=True,
            description="Blocks the day before anything is written when more than GROUPS_MAX_REJECT_RATIO "
            "(default 20%) of its records (every folder) are rejected, or no group record is valid.",
        ),
    )
