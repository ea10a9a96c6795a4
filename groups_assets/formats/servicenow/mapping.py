"""How ServiceNow's records map to the contract's: the tables `sys_user_group`, `sys_user_grmember`
and `sys_user` as the system exports them (CONTRACT.md 7).

    sync-<day>/sys_user_group/*.json      groups (required)
    sync-<day>/sys_user_grmember/*.json   memberships, one row per (group, user)
    sync-<day>/sys_user/*.json            users: the agents

A file is a Table API response `{"result": [...]}`, a JSONv2 export `{"records": [...]}`, or
JSON Lines of records. Every value is a string: booleans are "true"/"false", times
`YYYY-MM-DD HH:MM:SS` in UTC. A reference is a sys_id, "" for none, `{"link", "value"}`, and with
display values any field may be `{"display_value", "value"}`: the value is what counts. Keys
are sys_ids (32 lower-case hex characters); the pipeline assigns each its BIGINT id.
"""

from groups_assets.contract.format import (
    AGENTS,
    GROUPS,
    MEMBERS,
    Field,
    Table,
    col,
    kind_of,
    matching,
    missing,
    present,
)
from groups_assets.contract.reasons import AGENT_REASONS, GROUP_REASONS, MEMBER_REASONS
from groups_assets.contract.rules import q

SYS_ID = r"^[0-9a-f]{32}\z"
PAGES = ("result", "records")


def value(name: str) -> str:
    """A field's value as a string: the string itself, or the `value` of an object (a reference
    with its link, or a field with its display value); NULL for anything else (an object
    without `value`, a number)."""
    field, kind = col(name), kind_of(name)
    return (
        f"(CASE WHEN {kind} = 'STRING' THEN try_variant_get({field}, '$', 'string') "
        f"WHEN startswith({kind}, 'OBJECT') THEN try_variant_get({field}, '$.value', 'string') END)"
    )


def v(name: str) -> str:
    """The column of `value(name)`, computed once per record (derived below)."""
    return f"v_{name}"


def given(name: str) -> str:
    """The field is there: not absent, null or "" (ServiceNow's empty value). An object without
    `value` is there (and invalid)."""
    return f"NOT {missing(name)} AND coalesce({v(name)} != '', true)"


def reference(name: str) -> Field:
    """A reference (or a sys_id), valid when it is a sys_id. A display name
    (`sysparm_display_value=true`) is not a sys_id: it is rejected, not guessed."""
    return Field(given(name), matching(v(name), SYS_ID))


def text(name: str) -> Field:
    """A free-text field of a user: its value, a non-string as its JSON text, NUL replaced."""
    raw = f"coalesce({v(name)}, CASE WHEN NOT {missing(name)} THEN to_json({col(name)}) END)"
    return Field(present(name), f"replace({raw}, {q(chr(0))}, {q(chr(0xFFFD))})")


def flag(name: str, when_true: str, when_false: str) -> str:
    """A "true"/"false" string as the SQL `when_true`/`when_false`; NULL for anything else."""
    return f"(CASE {v(name)} WHEN 'true' THEN {when_true} WHEN 'false' THEN {when_false} END)"


def _values(*names: str) -> dict[str, str]:
    return {v(name): value(name) for name in names}


GROUPS_TABLE = Table(
    folder="sys_user_group",
    kind=GROUPS,
    reads=("sys_id", "name", "parent", "sys_created_on", "sys_updated_on", "active", "user_name", "user"),
    derived=_values("sys_id", "name", "parent", "sys_created_on", "sys_updated_on", "active"),
    fields={
        "key": reference("sys_id"),
        "name": Field(present("name"), v("name")),
        "parent": reference("parent"),
        "created_at": Field(present("sys_created_on"), v("sys_created_on")),
        "updated_at": Field(present("sys_updated_on"), v("sys_updated_on")),
        # A deactivated group leaves the hierarchy, as a deleted one does (CONTRACT.md 7).
        "deleted": Field(present("active"), flag("active", "false", "true")),
    },
    reasons=GROUP_REASONS,
    pages=PAGES,
    foreign=f"{col('user_name')} IS NOT NULL OR {col('user')} IS NOT NULL",
    foreign_hint="user_name (a sys_user export) or user (a sys_user_grmember export)",
)

MEMBERS_TABLE = Table(
    folder="sys_user_grmember",
    kind=MEMBERS,
    reads=("group", "user", "user_name", "name"),
    derived=_values("group", "user"),
    fields={"group": reference("group"), "user": reference("user")},
    reasons=MEMBER_REASONS,
    pages=PAGES,
    foreign=f"{col('group')} IS NULL AND {col('user')} IS NULL AND {col('name')} IS NOT NULL",
    foreign_hint="a name and neither group nor user (a sys_user_group or sys_user export)",
)

USERS_TABLE = Table(
    folder="sys_user",
    kind=AGENTS,
    reads=("sys_id", "name", "email", "active", "sys_updated_on", "parent", "group"),
    derived=_values("sys_id", "name", "email", "active", "sys_updated_on"),
    fields={
        "key": reference("sys_id"),
        "name": text("name"),
        "email": text("email"),
        "active": Field(present("active"), flag("active", "true", "false")),
        "updated_at": Field(given("sys_updated_on"), v("sys_updated_on")),
    },
    reasons=AGENT_REASONS,
    pages=PAGES,
    foreign=f"{col('parent')} IS NOT NULL OR {col('group')} IS NOT NULL",
    foreign_hint="parent (a sys_user_group export) or group (a sys_user_grmember export)",
)
