"""Zendesk: groups, group memberships and users as the Support API and the connectors write them
(CONTRACT.md 7).

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

import json
import re
from pathlib import Path

from groups_assets.contract.reader import is_page_file
from groups_assets.contract.reasons import GROUP_REASONS, MEMBER_REASONS
from groups_assets.formats.base import (
    AGENTS,
    GROUPS,
    MEMBERS,
    Field,
    Format,
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
_TAIL = 65536
_LAST_PAGE = re.compile(rb'"next_page"\s*:\s*null|"end_of_stream"\s*:\s*true|"has_more"\s*:\s*false')
_PAGE_END_KEYS = re.compile(rb'"(next_page|end_of_stream|has_more)"\s*:')


def reference(name: str) -> Field:
    """An id that names a group or a user: there unless absent, null or ""."""
    empty = f"coalesce({string(name)} = '', false)"
    return Field(f"NOT {missing(name)} AND NOT {empty}", id_of(col(name), kind_of(name)))


def is_last_page(path: Path) -> bool:
    """A page that says it is the last: `next_page` null, `end_of_stream` true (the incremental
    export), or `meta.has_more` false (cursor pagination). Read from the end of the file, where
    the API writes these keys; a page that does not have them there is parsed whole."""
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - _TAIL))
        tail = f.read()
    if _PAGE_END_KEYS.search(tail):
        return bool(_LAST_PAGE.search(tail))
    try:
        page = json.loads(path.read_bytes())
    except ValueError:
        return True  # not a page after all: its records are rejected on their own
    if not isinstance(page, dict):
        return True
    if "meta" in page and isinstance(page["meta"], dict) and "has_more" in page["meta"]:
        return page["meta"]["has_more"] is False
    return page.get("next_page") is None or page.get("end_of_stream") is True


def pages_complete(folder: str, pages: tuple[str, ...]):
    """The folder's completeness check: when its files are API pages, one must be the last (the
    pipeline does not follow next_page; a folder without its last page lost records)."""

    def check(files: list[Path]) -> str | None:
        paged = [p for p in files if is_page_file(p, pages)]
        if not paged or any(is_last_page(p) for p in paged):
            return None
        return (
            f"{folder}/ holds {len(paged)} API page(s), each with a next_page and none the last "
            "(next_page null or end_of_stream true): the export is incomplete. Fetch the missing "
            "page(s) into the folder and run the day again."
        )

    return check


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

FORMAT = Format(
    name="zendesk",
    tables=(GROUPS_TABLE, MEMBERS_TABLE, USERS_TABLE),
    keys="id",
    by_day=True,
    description="Zendesk exports: groups/, group_memberships/, users/",
)
