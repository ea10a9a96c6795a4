"""A ServiceNow day from the instance's Table API: `GET {url}/api/now/table/{table}` for
sys_user_group, sys_user_grmember and sys_user, each a full snapshot.

- **Every record of each table.** Deactivated groups (`active` "false") come with the rest, and
  so does every user: a deactivated agent must reach the pipeline, and only a complete
  sys_user_grmember shows a removed membership (a deleted row leaves no trace).
- **Only the fields the format reads** (`sysparm_fields`), references as plain sys_ids
  (`sysparm_exclude_reference_link=true`), never display values (`sysparm_display_value=false`),
  in sys_id order (`ORDERBYsys_id`) so that pages cannot skip or repeat rows.
- **Pages** follow the `Link` header's rel="next"; each is written as the API answered it,
  `{"result": [...]}`, one file per page.
- **Checked**: the records received must be as many as the first page's `X-Total-Count`.
- **Credentials**: GROUPS_SERVICENOW_TOKEN (an OAuth bearer token) if set, else
  GROUPS_SERVICENOW_USER and GROUPS_SERVICENOW_PASSWORD (basic authentication).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from groups_assets.fetching import (
    Api,
    Bounds,
    Endpoint,
    Fetched,
    api_of,
    fetch_day,
)
from groups_assets.formats.servicenow.mapping import GROUPS_TABLE, MEMBERS_TABLE, USERS_TABLE

PAGE_SIZE = 1000
# Each table's fields that the format reads (mapping.py).
FIELDS = {
    GROUPS_TABLE.folder: ("sys_id", "name", "parent", "sys_created_on", "sys_updated_on", "active"),
    MEMBERS_TABLE.folder: ("group", "user"),
    USERS_TABLE.folder: ("sys_id", "name", "email", "active", "sys_updated_on"),
}


def fetch(
    settings: Mapping[str, Any], root: Path, day: str, *, force: bool = False, bounds: Bounds | None = None
) -> list[Fetched]:
    """Write `<root>/sync-<day>/` from the instance; `settings` are the API resource's fields."""
    return fetch_day(api(settings), endpoints(), root, day, force=force, bounds=bounds)


def api(settings: Mapping[str, Any]) -> Api:
    """The instance and its credentials; MissingSetting names what is not set."""
    return api_of(
        settings,
        "ServiceNow",
        ("servicenow_url", "servicenow_token", "servicenow_user", "servicenow_password"),
        example="https://acme.service-now.com",
        needs="a user and password",
    )


def endpoints() -> tuple[Endpoint, ...]:
    return tuple(
        Endpoint(
            name=table,
            folder=table,
            path=f"api/now/table/{table}",
            params={
                "sysparm_fields": ",".join(fields),
                "sysparm_exclude_reference_link": "true",
                "sysparm_display_value": "false",
                "sysparm_query": "ORDERBYsys_id",
                "sysparm_limit": PAGE_SIZE,
            },
            records="result",
            paging=_link_header,
            page=_page,
            total=_total_count,
        )
        for table, fields in FIELDS.items()
    )


def _link_header():
    from dlt.sources.helpers.rest_client.paginators import HeaderLinkPaginator

    return HeaderLinkPaginator(links_next_key="next")


def _page(records: list, more: bool) -> dict:
    return {"result": records}


def _total_count(response) -> int | None:
    value = response.headers.get("X-Total-Count", "").strip()
    return int(value) if value.isdigit() else None
