"""The contract format: CONTRACT.md sections 1-2, the layout this project defines (the synthetic
generator, synthetic/generator.py, writes this layout itself: no writer of its own).

    sync-<day>/admin_groups/*.json   group records with their agent_ids (required)
    sync-<day>/agents/*.json         agent records (optional)

Ids are the join keys as they are; a group's record lists its members.
"""

from groups_assets.contract.format import (
    AGENTS,
    GROUPS,
    Field,
    Format,
    Table,
    boolean,
    col,
    element_id,
    free_text,
    id_field,
    kind_of,
    present,
    string,
)
from groups_assets.contract.reasons import AGENT_REASONS, GROUP_REASONS

# agent_ids as array<bigint>, an element NULL where it breaks the id rule; NULL when agent_ids is
# not an array. An array of JSON integers only (the usual case) is read in one step; any other
# array element by element (slower: a lambda per element).
_MEMBERS = (
    f"CASE WHEN {kind_of('agent_ids')} = 'ARRAY<BIGINT>' "
    f"THEN try_variant_get({col('agent_ids')}, '$', 'array<bigint>') "
    f"ELSE transform(try_variant_get({col('agent_ids')}, '$', 'array<variant>'), e -> {element_id('e')}) END"
)
# An element NULL (breaks the id rule) or below 1.
_BAD_MEMBER = (
    "(coalesce(array_min(d_members) < 1, false) "
    "OR array_size(d_members) != array_size(array_compact(d_members)))"
)

GROUPS_TABLE = Table(
    folder="admin_groups",
    kind=GROUPS,
    reads=("group_id", "name", "parent_group_id", "created_at", "updated_at", "agent_ids", "deleted"),
    derived={"d_members": _MEMBERS},
    fields={
        "key": id_field("group_id"),
        "name": Field(present("name"), string("name")),
        "parent": id_field("parent_group_id"),
        "created_at": Field(present("created_at"), string("created_at")),
        "updated_at": Field(present("updated_at"), string("updated_at")),
        "agent_ids": Field(present("agent_ids"), f"CASE WHEN NOT {_BAD_MEMBER} THEN d_members END"),
        "deleted": Field(present("deleted"), boolean("deleted")),
    },
    reasons=GROUP_REASONS,
)

AGENTS_TABLE = Table(
    folder="agents",
    kind=AGENTS,
    reads=("agent_id", "active", "updated_at", "name", "email"),
    fields={
        "key": id_field("agent_id"),
        "name": Field(present("name"), free_text("name")),
        "email": Field(present("email"), free_text("email")),
        "active": Field(present("active"), boolean("active")),
        "updated_at": Field(present("updated_at"), string("updated_at")),
    },
    reasons=AGENT_REASONS,
)

FORMAT = Format(
    name="contract",
    tables=(GROUPS_TABLE, AGENTS_TABLE),
    keys="id",
    by_day=False,
    description="this project's layout (CONTRACT.md sections 1-2): admin_groups/ and agents/",
)
