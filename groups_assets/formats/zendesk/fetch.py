"""A Zendesk day from the Support API, each table a full snapshot:

    GET {url}/api/v2/groups?exclude_deleted=false     groups/, deleted groups included
    GET {url}/api/v2/group_memberships                group_memberships/
    GET {url}/api/v2/users                            users/, every user
    GET {url}/api/v2/deleted_users                    users/, the deleted ones

- **Deleted groups** come from the groups list itself: a group carries `deleted`, and
  `exclude_deleted=false` asks for the deleted ones as well (there is no list of deleted groups
  of its own).
- **Every user, not only agents and admins.** An agent demoted to end-user would vanish from a
  list of agents, and the format takes a user absent from a day as unchanged: the demotion would
  be missed. Every user is listed instead (the format skips the end-users it does not store),
  suspended ones included, and the deleted users too: Zendesk deletes an agent only after a
  demotion, and both may fall between two fetches. A full list, rather than the incremental user
  export, keeps each day a snapshot of its own, with no cursor to keep from one day to the next.
- **Pages** by cursor (`page[size]=100`, the API's largest; `page[after]` from
  `meta.after_cursor`, until `meta.has_more` is false), as the API recommends: offset pagination
  stops at 10,000 records. Each page is written as `{"<table>": [...], "meta": {"has_more": ...}}`
  with only the fields the format reads, one file per page; deleted users are written as `users`.
- **Not counted**: cursor pages carry no count, and the count endpoints (`/api/v2/groups/count`,
  ...) are approximate by Zendesk's own account (refreshed once a day above 100,000), so a
  comparison with them would fail good days. The cursor chain is followed to its last page.
- **Credentials**: GROUPS_ZENDESK_OAUTH_TOKEN (a bearer token) if set, else GROUPS_ZENDESK_EMAIL
  and GROUPS_ZENDESK_TOKEN (an API token, sent as `{email}/token:{token}`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from groups_assets.contract.format import Table
from groups_assets.fetching import (
    Api,
    Bounds,
    Endpoint,
    Fetched,
    api_of,
    fetch_day,
)
from groups_assets.formats.zendesk.mapping import GROUPS_TABLE, MEMBERS_TABLE, USERS_TABLE

PAGE_SIZE = 100
# The fields of each folder's records that the format reads (mapping.py).
FIELDS = {
    GROUPS_TABLE.folder: ("id", "name", "deleted", "created_at", "updated_at"),
    MEMBERS_TABLE.folder: ("group_id", "user_id"),
    USERS_TABLE.folder: ("id", "name", "email", "role", "active", "suspended", "updated_at"),
}
# API table -> (the format's table its records belong to, parameters beyond the page size)
TABLES = {
    "groups": (GROUPS_TABLE, {"exclude_deleted": "false"}),
    "group_memberships": (MEMBERS_TABLE, {}),
    "users": (USERS_TABLE, {}),
    "deleted_users": (USERS_TABLE, {}),
}


def fetch(
    settings: Mapping[str, Any], root: Path, day: str, *, force: bool = False, bounds: Bounds | None = None
) -> list[Fetched]:
    """Write `<root>/sync-<day>/` from the account; `settings` are the API resource's fields."""
    return fetch_day(api(settings), endpoints(), root, day, force=force, bounds=bounds)


def api(settings: Mapping[str, Any]) -> Api:
    """The account and its credentials; MissingSetting names what is not set."""
    return api_of(
        settings,
        "Zendesk",
        ("zendesk_url", "zendesk_oauth_token", "zendesk_email", "zendesk_token"),
        example="https://acme.zendesk.com",
        needs="an email and API token",
        basic_user=lambda email: f"{email}/token",
    )


def endpoints() -> tuple[Endpoint, ...]:
    return tuple(
        Endpoint(
            name=table,
            folder=into.folder,
            path=f"api/v2/{table}",
            params={"page[size]": PAGE_SIZE, **params},
            records=table,
            paging=_cursor,
            page=_page(into),
        )
        for table, (into, params) in TABLES.items()
    )


def _cursor():
    from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

    return JSONResponseCursorPaginator(
        cursor_path="meta.after_cursor", cursor_param="page[after]", has_more_path="meta.has_more"
    )


def _page(table: Table):
    """A page's file for the format's `table`: the records, with only the fields the format reads,
    under the key its pages use, and whether more pages follow (its completeness check reads it)."""
    key, fields = table.pages[0], FIELDS[table.folder]

    def page(records: list, more: bool) -> dict:
        kept = [{f: r[f] for f in fields if f in r} if isinstance(r, dict) else r for r in records]
        return {key: kept, "meta": {"has_more": more}}

    return page
