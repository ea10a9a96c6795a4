"""How Zendesk's records map to the contract's: groups, group memberships and users as the Support
API and the connectors write them (CONTRACT.md 7).

    sync-<day>/groups/*.json              groups (required; flat: no parent)
    sync-<day>/group_memberships/*.json   memberships, one per (group, user)
    sync-<day>/users/*.json               users: the agents among them

A file is an API page (`{"groups": [...], "next_page": ..., "count": ...}`), an incremental
export page (`{"users": [...], "end_of_stream": ...}`), or JSON Lines of objects, as dlt writes
them (Airbyte's records wrapped in `_airbyte_data` are unwrapped). Ids are the keys, and go
beyond 32 bits. A user is an agent when its role is agent or admin, and active when also
`active` and not `suspended`; other users are skipped, unless stored as an agent already.
"""

from __future__ import annotations

from groups_assets.contract.format import (
    AGENTS,
    GROUPS,
    MEMBERS,
    Field,
    Table,
    boolean,
    col,
    free_text,
    id_field,
    id_of,
    kind_of,
    missing,
    present,
    string,
)
from groups_assets.contract.reasons import GROUP_REASONS, MEMBER_REASONS
from groups_assets.formats.zendesk.pages import pages_complete

USER_REASONS = (
    "invalid_json",
    "not_an_object",
    "missing_agent_id",
    "invalid_agent_id",
    "invalid_role",
    "invalid_active",
    "invalid_timestamp",
    "duplicate_agent_id",
)
ROLES = ("end-user", "agent", "admin")
AIRBYTE = "_airbyte_data"
AGENT_ROLES = ("agent", "admin")


def reference(name: str) -> Field:
    """An id that names a group or a user: there unless absent, null or ""."""
    empty = f"coalesce({string(name)} = '', false)"
    return Field(f"NOT {missing(name)} AND NOT {empty}", id_of(col(name), kind_of(name)))


GROUPS_TABLE = Table(
    folder="groups",
    kind=GROUPS,
    reads=("id", "name", "deleted", "created_at", "updated_at", "role", "user_id", "users"),
    fields={
        "key": id_field("id"),
        "name": Field(present("name"), string("name")),
        "created_at": Field(present("created_at"), string("created_at")),
        "updated_at": Field(present("updated_at"), string("updated_at")),
        "deleted": Field(present("deleted"), boolean("deleted")),
    },
    reasons=GROUP_REASONS,
    pages=("groups",),
    wrapper=AIRBYTE,
    foreign=f"{col('role')} IS NOT NULL OR {col('user_id')} IS NOT NULL OR {col('users')} IS NOT NULL",
    foreign_hint="role or users (a users export) or user_id (a group_memberships export)",
    complete=pages_complete("groups", ("groups",)),
)

MEMBERS_TABLE = Table(
    folder="group_memberships",
    kind=MEMBERS,
    reads=("group_id", "user_id", "role", "name"),
    fields={"group": reference("group_id"), "user": reference("user_id")},
    reasons=MEMBER_REASONS,
    pages=("group_memberships",),
    wrapper=AIRBYTE,
    foreign=f"{col('group_id')} IS NULL AND {col('user_id')} IS NULL AND {col('name')} IS NOT NULL",
    foreign_hint="a name and neither group_id nor user_id (a groups or users export)",
    complete=pages_complete("group_memberships", ("group_memberships",)),
)

_ROLE = "d_role"
_FLAGS_BROKEN = (
    f"({present('active')} AND {kind_of('active')} != 'BOOLEAN') "
    f"OR ({present('suspended')} AND {kind_of('suspended')} != 'BOOLEAN')"
)

USERS_TABLE = Table(
    folder="users",
    kind=AGENTS,
    reads=("id", "name", "email", "role", "active", "suspended", "updated_at", "group_id", "user_id"),
    derived={_ROLE: string("role")},
    fields={
        "key": id_field("id"),
        "name": Field(present("name"), free_text("name")),
        "email": Field(present("email"), free_text("email")),
        # Absent active or suspended is false.
        "active": Field(
            "true",
            f"CASE WHEN NOT ({_FLAGS_BROKEN}) "
            f"THEN coalesce({boolean('active')}, false) AND NOT coalesce({boolean('suspended')}, false) END",
        ),
        "updated_at": Field(present("updated_at"), string("updated_at")),
        "is_agent": Field("true", f"{_ROLE} IN {tuple(AGENT_ROLES)}"),
    },
    reasons=USER_REASONS,
    rules={"invalid_role": f"{_ROLE} IS NULL OR {_ROLE} NOT IN {ROLES}"},
    pages=("users",),
    wrapper=AIRBYTE,
    foreign=f"{col('group_id')} IS NOT NULL AND {col('user_id')} IS NOT NULL",
    foreign_hint="group_id and user_id (a group_memberships export)",
    complete=pages_complete("users", ("users",)),
)
